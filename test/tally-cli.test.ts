/**
 * `laurel tally FILE`: the neutral format read from a file (src/tally/input.ts) and the command that recounts it
 * without a database, run as a real child process.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type Run, run, tempDir } from './support/run';
import { tally, TallyInputError } from '../src/tally';
import { differences, parseTallyInput } from '../src/tally/input';

const vectors = new URL('../../shared/vectors/tally/', import.meta.url);
const borda = fileURLToPath(new URL('08-ranking-borda.json', vectors));
const dir = tempDir('laurel-tally-');

/** Runs `laurel ARGS` from the project root with no database settings at all. */
function laurel(...args: string[]): Promise<Run> {
  const env = { ...process.env };
  delete env.DATABASE_URL;
  return run(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], env);
}

function readJson(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
}

describe('parseTallyInput', () => {
  it('reads every shared vector as is, and the tally of what it reads matches the vector', async () => {
    const files = readdirSync(vectors).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThanOrEqual(14);
    for (const file of files) {
      const raw = readJson(fileURLToPath(new URL(file, vectors)));
      const { details: _details, ...result } = await tally(parseTallyInput(raw));
      expect(differences(result, raw.expected), file).toEqual([]);
    }
  });

  it('fills the rules defaults an award gets, and empty lists for what is left out', () => {
    const input = parseTallyInput({
      rules: { jury: { mode: 'ranking' } },
      lotSecret: 'AB',
      closingRoot: 'cd',
      categories: [{ id: 'cat', nominees: ['a'] }],
    });
    expect(input.rules).toEqual({
      finalists: { mode: 'public', k: 3, ties: 'include', tieChain: ['lot'] },
      jury: { mode: 'ranking', rankPoints: { kind: 'borda' }, institutionTieChain: ['lot'] },
      weights: { jury: 7000, public: 3000 },
      tieChain: ['jury', 'public', 'lot'],
    });
    expect(input).toMatchObject({ ballots: [], wildcards: [], organizerFinalists: {}, conflicts: [], sheets: [] });
  });

  it('lists every issue with its path', () => {
    const bad = {
      rules: { jury: { mode: 'rubric', scale: [10, 1] }, weights: { jury: 1.5, public: 1 } },
      lotSecret: 'xyz',
      closingRoot: 'ab',
      categories: [{ id: 'cat' }],
      conflicts: [{ juror: 'j1', institution: 'ministry', nominee: 'a' }],
    };
    expect(() => parseTallyInput(bad)).toThrow(TallyInputError);
    let message = '';
    try {
      parseTallyInput(bad);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message.split('\n').slice(1)).toEqual([
      '  rules.jury.scale: scale minimum must be below its maximum',
      expect.stringMatching(/^ {2}rules\.weights\.jury: /),
      '  lotSecret: an even number of hex digits',
      expect.stringMatching(/^ {2}categories\.0\.nominees: /),
      expect.stringMatching(/^ {2}conflicts\.0: /),
    ]);
  });
});

describe('differences', () => {
  it('names each differing path, whatever the member order', () => {
    expect(differences({ a: { x: '1', y: [1, 2] } }, { a: { y: [1, 2], x: '1' } })).toEqual([]);
    expect(differences({ a: { x: '1', y: [1, 3] }, b: 1 }, { a: { x: '2', y: [1, 3, 4] }, c: 1 })).toEqual([
      'a.x: expected "2", got "1"',
      'a.y: expected 3 entries, got 2',
      'c: missing',
      'b: expected nothing, got 1',
    ]);
    expect(differences(null, { a: 1 })).toEqual(['(result): expected {"a":1}, got null']);
  });
});

// Each run starts a fresh Node with tsx (seconds): run them side by side.
describe.concurrent('laurel tally FILE', () => {
  it('recounts a shared vector without a database, prints the result and says it matches', async ({ expect }) => {
    const run = await laurel('tally', borda);
    expect(run.stderr.trim()).toBe('matches expected');
    expect(run.code).toBe(0);
    const printed = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(printed).toEqual(readJson(borda).expected);
    expect(printed).not.toHaveProperty('details');
  });

  it('prints the intermediate figures with --details', async ({ expect }) => {
    const run = await laurel('tally', borda, '--details');
    expect(run.code).toBe(0);
    const printed = JSON.parse(run.stdout) as { details: { categories: { jury: { mode: string } }[] } };
    expect(printed.details.categories[0]?.jury.mode).toBe('ranking');
  });

  it('exits 1 and names the differing path when the expected block was tampered with', async ({ expect }) => {
    const vector = readJson(borda) as { expected: { categories: { jury: Record<string, string> }[] } };
    // j1 ranks htp first (3 points), j2 second (2), j3 second (2): 7/3, not 2.
    vector.expected.categories[0]!.jury.htp = '2';
    const file = join(dir, 'tampered.json');
    writeFileSync(file, JSON.stringify(vector));
    const run = await laurel('tally', file);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('categories.0.jury.htp: expected "2", got "7/3"');
    expect(run.stderr).not.toContain('matches expected');
    // The result is still printed, for whoever wants to look.
    expect((JSON.parse(run.stdout) as { categories: { jury: Record<string, string> }[] }).categories[0]?.jury.htp).toBe(
      '7/3',
    );
  });

  it('without an expected block it only prints the result', async ({ expect }) => {
    const { expected: _expected, ...input } = readJson(borda);
    const file = join(dir, 'plain.json');
    writeFileSync(file, JSON.stringify(input));
    const run = await laurel('tally', file);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual(readJson(borda).expected);
  });

  it('exits 1 with a clear message for a file not in the neutral format, or not JSON', async ({ expect }) => {
    const invalid = join(dir, 'invalid.json');
    writeFileSync(invalid, JSON.stringify({ ...readJson(borda), lotSecret: 'not hex', jurors: [{ id: 'j1' }] }));
    // Well-formed, but the tally refuses it: a sheet of a juror the panel does not have.
    const vector = readJson(borda) as { sheets: { juror: string }[] };
    vector.sheets[0]!.juror = 'stranger';
    const unknown = join(dir, 'unknown-juror.json');
    writeFileSync(unknown, JSON.stringify(vector));
    const garbage = join(dir, 'garbage.json');
    writeFileSync(garbage, '{ not json');
    const [run, refused, unreadable] = await Promise.all([
      laurel('tally', invalid),
      laurel('tally', unknown),
      laurel('tally', garbage),
    ]);

    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('not in the neutral format');
    expect(run.stderr).toContain('lotSecret: an even number of hex digits');
    expect(run.stderr).toContain('jurors.0.institution:');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('score sheet of unknown juror "stranger"');
    expect(unreadable.code).toBe(1);
    expect(unreadable.stderr).toContain(`cannot read ${garbage}`);
  });
});

describe('laurel tally on a signed results document', () => {
  it('recounts the document from its own input and says it matches its result', async () => {
    const vectors = readJson(fileURLToPath(new URL('../docs/audit-vectors.json', import.meta.url)));
    const doc = (vectors.results as { document: Record<string, unknown> }[])[0]!.document;
    const file = join(dir, 'results.json');
    writeFileSync(file, JSON.stringify({ version: 1, document: doc }));
    const ok = await laurel('tally', file);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stderr).toContain('matches expected');
    const tampered = JSON.parse(JSON.stringify(doc)) as { result: { categories: { winners: string[] }[] } };
    tampered.result.categories[0]!.winners = ['someone-else'];
    writeFileSync(file, JSON.stringify(tampered));
    const bad = await laurel('tally', file);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('winners');
  }, 60_000);
});
