/**
 * `laurel demo`: a whole award through the HTTP API in this process (real server, real SMTP), run twice with one
 * seed and once with another; the pure parts (generator, plan, mail decoding, progress) on their own; and the CLI
 * in a child process.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeBody } from '../src/demo/mailbox';
import { createRng } from '../src/demo/prng';
import { finalistPicks, sheetPlan, votePlan } from '../src/demo/plan';
import { createProgress } from '../src/demo/progress';
import { type DemoOutcome, runDemo } from '../src/demo/run';
import { Rational } from '../src/tally/rational';
import { run, tempDir } from './support/run';

describe('the demo’s pure parts', () => {
  it('draws the same numbers from the same seed and stream, others from another', () => {
    const draw = (seed: number, stream: string) => {
      const rng = createRng(seed, stream);
      return Array.from({ length: 8 }, () => rng.next());
    };
    expect(draw(7, 'votes')).toEqual(draw(7, 'votes'));
    expect(draw(7, 'votes')).not.toEqual(draw(8, 'votes'));
    expect(draw(7, 'votes')).not.toEqual(draw(7, 'jury'));
    for (const x of draw(1, 'x')) expect(x >= 0 && x < 1).toBe(true);
    // A zero weight is never drawn; the only positive one always is.
    const rng = createRng(3, 'w');
    for (let i = 0; i < 50; i++) expect(rng.weighted([0, 0, 2, 0])).toBe(2);
  });

  it('plans votes, finalists and sheets from the seed alone', () => {
    const categories = [
      { slug: 'a', nominees: ['a1', 'a2', 'a3', 'a4', 'a5'] },
      { slug: 'b', nominees: ['b1', 'b2', 'b3', 'b4'] },
    ];
    const votes = votePlan(5, 200, categories);
    expect(votes).toEqual(votePlan(5, 200, categories));
    expect(votes).not.toEqual(votePlan(6, 200, categories));
    // Everyone votes somewhere, at most once per category, only for nominees of the category.
    for (const v of votes) {
      expect(v.ballots.length).toBeGreaterThan(0);
      expect(new Set(v.ballots.map((b) => b.category)).size).toBe(v.ballots.length);
      for (const b of v.ballots) expect(categories.find((c) => c.slug === b.category)!.nominees).toContain(b.nominee);
    }
    // Top three by votes, ties by slug: a has a2 5, a1 5, a3 4, a4 1 → a1, a2 (5, by slug), a3; b has three
    // nominees only, so the one wildcard goes to a (its fourth, a4).
    const picks = finalistPicks(1, [
      {
        category: 'a',
        nominees: [
          { slug: 'a4', votes: 1 },
          { slug: 'a2', votes: 5 },
          { slug: 'a1', votes: 5 },
          { slug: 'a3', votes: 4 },
        ],
      },
      { category: 'b', nominees: ['b1', 'b2', 'b3'].map((slug, i) => ({ slug, votes: 3 - i })) },
    ]);
    expect(picks).toEqual([
      { category: 'a', picks: ['a1', 'a2', 'a3'], wildcard: { nominee: 'a4', reason: expect.any(String) } },
      { category: 'b', picks: ['b1', 'b2', 'b3'], wildcard: null },
    ]);
    // Sheets: one per juror and category; exactly one conflict, whose finalist goes unscored; scores on the scale.
    const jurors = ['p', 'q', 'r'].map((i) => ({ name: i, email: `${i}@example.kg`, institution: i }));
    const sheets = sheetPlan(2, jurors, [{ category: 'a', nominees: ['a1', 'a2', 'a3'] }], {
      criteria: ['x', 'y'],
      scale: [1, 10],
    });
    expect(sheets).toHaveLength(3);
    expect(sheets.flatMap((s) => s.conflicts)).toHaveLength(1);
    for (const s of sheets) {
      expect(Object.keys(s.scores).sort()).toEqual(['a1', 'a2', 'a3'].filter((n) => !s.conflicts.includes(n)));
      for (const scores of Object.values(s.scores))
        for (const v of Object.values(scores)) expect(Number.isInteger(v) && v >= 1 && v <= 10).toBe(true);
    }
  });

  it('decodes mail bodies: quoted-printable with soft breaks and UTF-8 bytes, base64', () => {
    // "=\r\n" is a soft break; =D0=9A is "К" in UTF-8; =3D is "=".
    expect(decodeBody('Code 123 =\r\n456, =D0=9A a=3Db\r\n', 'quoted-printable')).toBe('Code 123 456, К a=b\n');
    expect(decodeBody(Buffer.from('link /jury/invitations/t0k\r\n').toString('base64'), 'base64')).toBe(
      'link /jury/invitations/t0k\n',
    );
  });

  it('prints progress at every 10 % when stderr is not a terminal, and nothing when quiet', async () => {
    let text = '';
    let now = 0;
    const progress = createProgress({ write: (t: string) => (text += t) }, () => now);
    const counter = progress.counter('voters', 20);
    for (let i = 0; i < 20; i++) {
      now += 100;
      counter.tick();
    }
    counter.done();
    // 20 items: a line at 2, 4, … 18 (nine lines), then the done line at 2.0 s.
    const lines = text.trimEnd().split('\n');
    expect(lines).toHaveLength(10);
    expect(lines[0]).toBe('  voters: 2/20 (10 %) 0.2 s');
    expect(lines[9]).toBe('  voters: 20/20 in 2.0 s');
    expect(await createProgress(null).step('x', async () => 42)).toBe(42);
  });
});

const outDir = tempDir('laurel-demo-');
const bundleFile = join(outDir, 'bundle.json');

/** `laurel …` in a child process: its exit code and output. */
const laurel = (...args: string[]) => run(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args]);

describe('laurel demo', () => {
  let first: DemoOutcome;
  // The CLI runs in its own process alongside the in-process runs below (another core, when there is one).
  let cli: ReturnType<typeof laurel>;
  beforeAll(() => {
    cli = laurel('demo', '--voters', '30', '--seed', '3', '--out', bundleFile);
  });

  it('runs a whole award through the API: announced, winners everywhere, a jury of five institutions', async () => {
    first = await runDemo({ seed: 7, voters: 40, quiet: true });
    const s = first.summary;
    expect(s.phase).toBe('announced');
    expect(s.voters).toBe(40);
    expect(first.results.signatureVerified).toBe(true);
    expect(s.categories).toHaveLength(8);
    for (const cat of s.categories) {
      // Three picks per category, one category with a wildcard besides.
      expect(cat.finalists.length).toBeGreaterThanOrEqual(3);
      expect(cat.winners).toHaveLength(1);
      expect(cat.finalists.filter((f) => f.winner).map((f) => f.nominee)).toEqual(cat.winners);
      expect(cat.finalists[0]!.winner).toBe(true);
      expect(cat.finalists.map((f) => f.place)).toEqual(cat.finalists.map((_, i) => i + 1));
      expect(cat.ballots).toBe(Object.values(cat.votes).reduce((a, b) => a + b, 0));
      for (const f of cat.finalists) {
        expect(f.votes).toBe(cat.votes[f.nominee]);
        // final = 7000 × jury share + 3000 × public share. The shares are shown rounded to 6 places (off by at most
        // 5e-7 each), so the figures agree within 7000 × 5e-7 + 3000 × 5e-7 + 5e-7 = 0.0050005 < 0.01.
        const d = Rational.parseDecimal;
        const parts = d(f.juryShare)
          .mul(d('7000'))
          .add(d(f.publicShare).mul(d('3000')));
        const gap = d(f.final).sub(parts);
        expect(Math.abs(Number(gap.toFixed(6)))).toBeLessThan(0.01);
      }
      // Best first.
      const finals = cat.finalists.map((f) => Number(f.final));
      expect([...finals].sort((a, b) => b - a)).toEqual(finals);
    }
    expect(s.categories.flatMap((c) => c.finalists.filter((f) => f.why === 'wildcard'))).toHaveLength(1);
    expect(s.jury.institutions.map((i) => i.slug)).toEqual([
      'moes',
      'parliament-council',
      'undp',
      'roza-otunbayeva-initiative',
      'independent-experts',
    ]);
    for (const i of s.jury.institutions) {
      expect(i.jurors).toBeGreaterThanOrEqual(2);
      expect(i.jurors).toBeLessThanOrEqual(3);
      expect(i.submitted).toBe(i.jurors);
    }
    const jurors = s.jury.institutions.reduce((a, i) => a + i.jurors, 0);
    expect(s.jury.sheets).toBe(jurors * 8);
    expect(s.jury.submitted).toBe(s.jury.sheets);
    expect(s.jury.conflicts).toHaveLength(1);
    expect(first.table).toContain('★ winner');
  }, 120_000);

  it('gives the same results for the same seed, other results for another seed', async () => {
    const again = await runDemo({ seed: 7, voters: 40, quiet: true });
    // The very same JSON text, key order included (what `laurel demo --json` prints).
    expect(JSON.stringify(again.summary)).toBe(JSON.stringify(first.summary));
    expect(again.table).toBe(first.table);
    // The signed documents differ (ids, times, the lot secret are new per run); the results do not.
    expect(again.results.hash).not.toBe(first.results.hash);
    const other = await runDemo({ seed: 8, voters: 40, quiet: true });
    expect(other.table).not.toBe(first.table);
    expect(other.summary.categories).not.toEqual(first.summary.categories);
  }, 180_000);

  it('runs as `laurel demo` and prints the table', async () => {
    const { code, stdout, stderr } = await cli;
    expect(code, stderr).toBe(0);
    expect(stdout).toContain('STEM4ALL Award 2024: results of the demo (seed 3, 30 voters');
    expect(stdout).toContain('Best Mentor (best-mentor)');
    expect(stdout).toContain('★ winner');
    expect(stdout).toMatch(/Results version 1, SHA-256 [0-9a-f]{64}, signed with key \S+: signature verified\./);
    // Progress went to stderr (not a terminal here: lines, with timings).
    expect(stderr).toContain('Voters verified by mailed codes and voted: 30/30 in');
  }, 120_000);

  it('writes the audit bundle, which both verifiers check with the witness the demo prints', async () => {
    const { stdout } = await cli;
    const witness = /--witness (\d+:[0-9a-f]{64})/.exec(stdout)?.[1];
    expect(witness, stdout).toBeDefined();
    const ts = await laurel('verify', bundleFile, '--witness', witness!);
    expect(ts.code, ts.stdout + ts.stderr).toBe(0);
    expect(ts.stdout).toMatch(/^ok   recount: /m);
    expect(ts.stdout).toMatch(/^ok   witness: /m);
    const py = spawnSync('python3', ['tools/verify.py', 'bundle', '--witness', witness!, bundleFile], {
      encoding: 'utf8',
    });
    expect(py.status, py.stdout + py.stderr).toBe(0);
    // A witness from another run (a head the bundle does not hold) fails both.
    const other = `${witness!.split(':')[0]}:${'1'.repeat(64)}`;
    expect((await laurel('verify', bundleFile, '--witness', other)).code).toBe(1);
    expect(spawnSync('python3', ['tools/verify.py', 'bundle', '--witness', other, bundleFile]).status).toBe(1);
  }, 120_000);
});
