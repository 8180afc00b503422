/**
 * An outside client against the real Node server: tools/laurel_client.py (Python standard library only, written
 * from the documentation) verifies voters by email code read from the dev outbox (no SMTP configured), casts
 * ballots through the documented API, and checks every receipt's inclusion proof and the consistency of the
 * checkpoints. A proof with one byte flipped must make it fail.
 */
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LaurelProcess, laurelProcess } from './harness';

const SLUG = 'outside-award';
const CLIENT = fileURLToPath(new URL('../../tools/laurel_client.py', import.meta.url));

// One checkpoint per new ballot, so that `laurel tick` writes one whenever a ballot is pending.
const award = {
  format: 'laurel-award/1',
  slug: SLUG,
  locales: ['en'],
  name: { en: 'Outside Client Award' },
  rules: { finalists: { mode: 'public', k: 2 }, checkpoints: { everySeconds: 3600, everyBallots: 1 } },
  tracks: [
    {
      slug: 'main',
      name: { en: 'Main' },
      categories: ['best-mentor', 'best-practice'].map((slug) => ({
        slug,
        name: { en: slug },
        nominees: ['aida', 'bermet', 'cholpon'].map((n) => ({ slug: n, name: { en: n } })),
      })),
    },
  ],
};

interface Run {
  code: number;
  out: string;
}

describe('an outside client casting ballots and checking its proofs', () => {
  let laurel: LaurelProcess;
  let state: string;
  const client = (...args: string[]) =>
    new Promise<Run>((resolve) =>
      execFile(
        'python3',
        [CLIENT, '--base', laurel.url, '--award', SLUG, ...args],
        { timeout: 60_000 },
        (err, stdout, stderr) =>
          resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, out: stdout + stderr }),
      ),
    );

  beforeAll(async () => {
    laurel = await laurelProcess({ smtp: false });
    await laurel.start();
    const file = join(laurel.dataDir, 'award.json');
    writeFileSync(file, JSON.stringify(award));
    await laurel.cli('import', file, '--open');
    await laurel.cli('phase', SLUG, 'voting');
    state = join(laurel.dataDir, 'receipts.json');
  }, 90_000);

  afterAll(async () => {
    await laurel?.stop();
  });

  it('verifies, votes, gets the same receipt again, and proves every receipt and checkpoint', async () => {
    // The dev outbox serves the code because no SMTP is configured.
    expect((await fetch(`${laurel.url}/dev/outbox`)).status).toBe(200);

    const first = await client('vote', '--email', 'first.voter@example.org', '--dev-outbox', '--state', state);
    expect(first.out).not.toContain('FAIL');
    expect(first.out).toContain('the same form again (same nonce) answers 200 with the same receipt');
    expect(first.out).toContain('a second ballot in the same category is refused (409 already-voted)');
    expect(first.code, first.out).toBe(0);

    // Before a checkpoint the ballots are recorded but not proven: the check says so and fails. (The server's own
    // tick may have written a checkpoint meanwhile; a ballot still outside the log now was outside it then.)
    const pending = await client('check', '--state', state);
    const [kept] = JSON.parse(readFileSync(state, 'utf8'));
    const now = await (await fetch(`${laurel.url}/api/ceremonies/${SLUG}/receipts/${kept.receipt}`)).json();
    if (now.batch === null) {
      expect(pending.out).toContain('pending until the next checkpoint');
      expect(pending.code).toBe(1);
    }

    await laurel.cli('tick');
    const second = await client(
      'vote',
      '--email',
      'second.voter@example.org',
      '--dev-outbox',
      '--category',
      'best-mentor=bermet',
      '--state',
      state,
    );
    expect(second.code, second.out).toBe(0);
    await laurel.cli('tick');

    const checked = await client('check', '--state', state);
    expect(checked.out).not.toContain('FAIL');
    expect(checked.out.match(/inclusion proof verifies/g)).toHaveLength(3);
    expect(checked.out).toMatch(/checkpoint \d+ \(size \d+\) extends checkpoint \d+/);
    expect(checked.code, checked.out).toBe(0);

    // Closing the vote writes the closing checkpoint; every proof now holds against it.
    await laurel.cli('phase', SLUG, 'judging');
    const closed = await client('check', '--state', state);
    expect(closed.code, closed.out).toBe(0);
    const { checkpoints } = await (await fetch(`${laurel.url}/api/ceremonies/${SLUG}/checkpoints`)).json();
    expect(checkpoints.at(-1)).toMatchObject({ closing: true, treeSize: 3 });
    expect(closed.out).toContain(`the proof is against listed checkpoint ${checkpoints.at(-1).batch}`);
  });

  it('fails when one byte of a proof is flipped', async () => {
    const tampered = await client('check', '--state', state, '--tamper');
    expect(tampered.code).toBe(1);
    expect(tampered.out.match(/FAIL {2}.*inclusion proof verifies/g)).toHaveLength(3);
  });
});
