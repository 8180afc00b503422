/**
 * The independent Python recount (`tools/verify.py tally`, written from the documentation): it must agree with
 * every shared vector and the results document of docs/audit-vectors.json, and must notice a changed figure or a
 * changed ballot, naming the path. Run as a real child process, as an auditor would.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ROOT, type Run, run, tempDir } from './support/run';

const vectorDir = fileURLToPath(new URL('../../shared/vectors/tally/', import.meta.url));
const vectors = readdirSync(vectorDir)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => join(vectorDir, f));
const auditVectors = join(ROOT, 'docs', 'audit-vectors.json');
const dir = tempDir('laurel-verify-py-');

/** Runs `python3 tools/verify.py ARGS` from the project root. */
const verify = (...args: string[]): Promise<Run> => run('python3', ['tools/verify.py', ...args]);

type Json = Record<string, unknown>;

function readJson(path: string): Json {
  return JSON.parse(readFileSync(path, 'utf8')) as Json;
}

/** A changed copy of a JSON file in the temp directory. */
function tampered(source: string, name: string, change: (data: Json) => void): string {
  const data = readJson(source);
  change(data);
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(data));
  return path;
}

const topK = vectors.find((f) => f.endsWith('01-public-top-k.json')) as string;

interface Category {
  public: Record<string, number>;
  final: Record<string, string>;
}
const firstCategory = (expected: unknown): Category =>
  (expected as { categories: Category[] }).categories[0] as Category;

describe('tools/verify.py tally', () => {
  it('agrees with every shared vector and the results document of docs/audit-vectors.json', async () => {
    expect(vectors.length).toBeGreaterThanOrEqual(14);
    const run = await verify('tally', ...vectors, auditVectors);
    expect(run.stderr).toBe('');
    expect(run.stdout.trimEnd().split('\n')).toEqual([...vectors, auditVectors].map((f) => `ok  ${f}`));
    expect(run.code).toBe(0);
  });

  it('names a changed expected figure with both values and exits 1', async () => {
    // 01: bermet's jurors gave 9 and 8, so jury 17/2 and x = (17/2 - 1)/9 = 15/18; aigul (6, 7) and cholpon (7, 8)
    // give 11/18 and 13/18, so jury share 15/39 = 5/13; public share 7/21 = 1/3;
    // final = 7000 x 5/13 + 3000 x 1/3 = 48000/13. Publishing 48001/13 instead must be caught.
    const file = tampered(topK, 'figure.json', (data) => {
      firstCategory(data.expected).final.bermet = '48001/13';
    });
    const run = await verify('tally', topK, file);
    expect(run.stdout.split('\n')).toEqual([
      `ok  ${topK}`,
      `FAIL ${file}`,
      '  expected.categories[0].final.bermet: published "48001/13", recount "48000/13"',
      '',
    ]);
    expect(run.code).toBe(1);
  });

  it("names every figure a ballot's changed nominee moves and exits 1", async () => {
    // 01 has 9 ballots for aigul and 1 for elnura; moving one from aigul to elnura gives 8 and 2. The finalists
    // stay aigul (8), bermet (7), cholpon (5), whose votes now total 20: aigul's public share 8/20 = 2/5 instead
    // of 9/21 = 3/7, bermet 7/20 instead of 1/3, cholpon 5/20 = 1/4 instead of 5/21; aigul's final becomes
    // 7000 x 11/39 + 3000 x 2/5 = 77000/39 + 46800/39 = 123800/39.
    const file = tampered(topK, 'ballot.json', (data) => {
      const ballots = data.ballots as { nominee: string }[];
      const first = ballots.find((b) => b.nominee === 'aigul') as { nominee: string };
      first.nominee = 'elnura';
    });
    const run = await verify('tally', file);
    const lines = run.stdout.split('\n');
    expect(lines[0]).toBe(`FAIL ${file}`);
    expect(lines).toContain('  expected.categories[0].public.aigul: published 9, recount 8');
    expect(lines).toContain('  expected.categories[0].public.elnura: published 1, recount 2');
    expect(lines).toContain('  expected.categories[0].publicShare.aigul: published "3/7", recount "2/5"');
    expect(lines).toContain('  expected.categories[0].publicShare.bermet: published "1/3", recount "7/20"');
    expect(lines).toContain('  expected.categories[0].publicShare.cholpon: published "5/21", recount "1/4"');
    expect(lines).toContain('  expected.categories[0].final.aigul: published "890000/273", recount "123800/39"');
    // Nothing else moved: the jury, the order and the finalists are the same.
    expect(lines.filter((l) => l.startsWith('  '))).toHaveLength(8);
    expect(run.code).toBe(1);
  });

  it("recounts a results document's input against its result, and a results answer with its hash", async () => {
    const [results] = readJson(auditVectors).results as { document: Json; hash: string; jws: string }[];
    if (!results) throw new Error('docs/audit-vectors.json has no results document');
    const document = join(dir, 'document.json');
    writeFileSync(document, JSON.stringify(results.document));
    const answer = join(dir, 'answer.json');
    writeFileSync(
      answer,
      JSON.stringify({ version: 1, hash: results.hash, jws: results.jws, document: results.document }),
    );
    const ok = await verify('tally', document, answer);
    expect(ok.stdout).toBe(`ok  ${document}\nok  ${answer}\n`);
    expect(ok.code).toBe(0);

    // The document's finalists are aigul, bermet, cholpon and dinara with 9 + 7 + 4 + 4 = 24 votes, dinara's share
    // 4/24 = 1/6. One of dinara's counted ballots turned voided leaves 3 of 9 + 7 + 4 + 3 = 23: 3/23.
    const changed = tampered(document, 'changed-document.json', (data) => {
      const ballots = (data.input as { ballots: { nominee: string; status: string }[] }).ballots;
      (ballots.find((b) => b.nominee === 'dinara') as { status: string }).status = 'voided';
    });
    const bad = await verify('tally', changed);
    expect(bad.stdout).toContain('  result.categories[0].publicShare.dinara: published "1/6", recount "3/23"');
    expect(bad.code).toBe(1);

    // An answer whose document was changed after hashing no longer matches its hash.
    const edited = tampered(answer, 'edited-answer.json', (data) => {
      (data.document as { reason: string | null }).reason = 'edited';
    });
    const unhashed = await verify('tally', edited);
    expect(unhashed.stdout).toMatch(/^ {2}hash: published "[0-9a-f]{64}", recount "[0-9a-f]{64}"$/m);
    expect(unhashed.code).toBe(1);
  });

  it('exits 2 on a file that is not JSON or input the tally refuses', async () => {
    const notJson = join(dir, 'not-json.json');
    writeFileSync(notJson, '{"rules":');
    const unknownJuror = tampered(topK, 'unknown-juror.json', (data) => {
      (data.sheets as { juror: string }[])[0]!.juror = 'nobody';
    });
    const run = await verify('tally', notJson, unknownJuror, topK);
    expect(run.stdout).toMatch(new RegExp(`^FAIL ${notJson}\\n {2}cannot read`));
    expect(run.stdout).toContain(`FAIL ${unknownJuror}\n  input refused: sheets[0].juror: unknown juror`);
    expect(run.stdout).toContain(`ok  ${topK}`);
    expect(run.code).toBe(2);
  });

  it('prints the recount with --json, the status lines then on standard error', async () => {
    const run = await verify('tally', '--json', topK);
    const vector = readJson(topK);
    expect(JSON.parse(run.stdout)).toEqual(vector.expected);
    expect(run.stderr).toBe(`ok  ${topK}\n`);
    expect(run.code).toBe(0);
  });
});
