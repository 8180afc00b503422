/**
 * Tamper tests (issue 8, docs/audit.md §22): the bundle of a whole award (test/support/bundle.ts) is changed one way
 * at a time, and both verifiers — `laurel verify` (src/verify) and `tools/verify.py bundle` — must fail and name
 * the check that catches the change. Changes an attacker could hide from the chain check (the chain rehashed after
 * the edit) must still be caught by another check, and by a witness taken before.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CompactSign, calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson, sha256Hex } from '../src/audit/canonical';
import { type LoggedEvent, commitment, newSalt, sealEvent } from '../src/audit/chain';
import type { Bundle } from '../src/bundle/format';
import type { CheckName } from '../src/verify/checks';
import { checkFile } from '../src/verify/command';
import { type BundleFixture, bundleFixture } from './support/bundle';
import { tempDir } from './support/run';

let fixture: BundleFixture;
const dir = tempDir('laurel-tamper-');
beforeAll(async () => {
  fixture = await bundleFixture();
}, 120_000);

const fresh = (): Bundle => JSON.parse(fixture.json) as Bundle;
const witness = () => `${fixture.head.seq}:${fixture.head.hash}`;

/** What the attacker who edits an event does next: recompute every hash from there, so the chain verifies. */
async function rechain(b: Bundle, from: number): Promise<void> {
  for (let i = from; i < b.events.length; i++) {
    const e = b.events[i]!;
    b.events[i] = await sealEvent(i === 0 ? e.prev : b.events[i - 1]!.hash, e);
  }
  b.head = { seq: b.events.at(-1)!.seq, hash: b.events.at(-1)!.hash };
}
const eventIndex = (b: Bundle, type: string, nth = 0) =>
  b.events.map((e, i) => [e, i] as const).filter(([e]) => e.type === type)[nth]![1];
const event = (b: Bundle, type: string, nth = 0): LoggedEvent => b.events[eventIndex(b, type, nth)]!;

/** Both verifiers on one file: exit status and the names of the failed checks. */
async function verifyBoth(file: string, witnesses: string[] = []) {
  const parsed = witnesses.map((w) => ({ seq: Number(w.split(':')[0]), hash: w.split(':')[1]! }));
  const ts = (await checkFile(file, parsed)).filter((c) => !c.ok);
  const py = spawnSync(
    'python3',
    ['tools/verify.py', 'bundle', '--json', ...witnesses.flatMap((w) => ['--witness', w]), file],
    {
      encoding: 'utf8',
    },
  );
  const pyChecks = py.stdout
    ? ((JSON.parse(py.stdout) as { checks: { check: string; ok: boolean }[] }).checks ?? [])
    : [];
  return {
    ts: ts.map((c) => c.check),
    tsProblems: ts.flatMap((c) => c.problems.map((p) => `${c.check}: ${p}`)),
    py: pyChecks.filter((c) => !c.ok).map((c) => c.check),
    pyStatus: py.status,
    pyOutput: py.stdout + py.stderr,
  };
}

interface Case {
  name: string;
  change: (b: Bundle) => void | Promise<void>;
  /** Checks both verifiers must name (others may fail too). */
  fails: CheckName[];
  witness?: boolean;
}

const cases: Case[] = [
  {
    name: "a ballot's nominee changed",
    change: (b) => {
      const ballot = b.ballots.find((x) => x.nominee === fixture.p.nominee.b)!;
      ballot.nominee = fixture.p.nominee.c!;
    },
    fails: ['ballot-log', 'input'],
  },
  {
    name: 'a ballot removed',
    change: (b) => {
      b.ballots.splice(
        b.ballots.findIndex((x) => x.nominee === fixture.p.nominee.b),
        1,
      );
      b.counts.ballots--;
    },
    fails: ['ballot-log', 'input'],
  },
  {
    name: 'a ballot added',
    change: (b) => {
      const last = b.ballots.at(-1)!;
      b.ballots.push({
        ...last,
        tracker: 'f'.repeat(64),
        nominee: fixture.p.nominee.b!,
        category: fixture.p.category.mentor!,
      });
      b.counts.ballots++;
    },
    fails: ['ballot-log', 'input'],
  },
  {
    name: 'a void removed: the tracker taken out of its review',
    change: (b) => {
      const seq = event(b, 'ballots.voided', 1).seq;
      b.reviews.find((r) => r.seq === seq)!.trackers = [];
    },
    fails: ['reviews', 'input'],
  },
  {
    name: 'a void removed: its review entry dropped',
    change: (b) => {
      const seq = event(b, 'ballots.voided', 1).seq;
      b.reviews = b.reviews.filter((r) => r.seq !== seq);
      b.counts.reviews--;
    },
    fails: ['reviews', 'input'],
  },
  {
    name: 'a score changed in a disclosed sheet',
    change: (b) => {
      const sheet = b.disclosures.find((d) => d.value.includes('"scores":{"') && !d.value.includes('"nominee"'))!;
      sheet.value = sheet.value.replace(/"merit":(\d+)/, (_, n: string) => `"merit":${(Number(n) + 1) % 11}`);
    },
    fails: ['disclosures', 'input'],
  },
  {
    name: 'a score changed and committed again, the chain rehashed',
    witness: true,
    change: async (b) => {
      const i = eventIndex(b, 'jury.sheet.submitted');
      const e = b.events[i]!;
      const d = b.disclosures.find((x) => x.commitment === e.payload.sheetCommitment)!;
      d.value = d.value.replace(/"merit":(\d+)/, (_, n: string) => `"merit":${(Number(n) + 1) % 11}`);
      d.salt = newSalt();
      d.commitment = await commitment(d.salt, d.value);
      e.payload = { ...e.payload, sheetCommitment: d.commitment };
      await rechain(b, i);
    },
    fails: ['input', 'versions', 'witness'],
  },
  {
    name: "an institution's weight changed",
    change: (b) => {
      b.institutions[0]!.weight += 1;
    },
    fails: ['input'],
  },
  {
    name: "a juror's weight changed in its event, the chain rehashed",
    witness: true,
    change: async (b) => {
      const i = eventIndex(b, 'jury.juror.added');
      b.events[i]!.payload = { ...b.events[i]!.payload, weight: Number(b.events[i]!.payload.weight) + 3 };
      await rechain(b, i);
    },
    fails: ['input', 'versions', 'witness'],
  },
  {
    name: 'an event removed',
    change: (b) => {
      b.events.splice(eventIndex(b, 'ballots.voided'), 1);
      b.counts.events--;
    },
    fails: ['chain'],
  },
  {
    name: 'two events swapped',
    change: (b) => {
      const i = eventIndex(b, 'jury.sheet.submitted');
      [b.events[i], b.events[i + 1]] = [b.events[i + 1]!, b.events[i]!];
    },
    fails: ['chain'],
  },
  {
    name: 'an event edited',
    change: (b) => {
      const e = event(b, 'ballots.checkpoint');
      e.payload = { ...e.payload, leaves: Number(e.payload.leaves) + 1 };
    },
    fails: ['chain'],
  },
  {
    name: 'the results edited: another winner',
    change: (b) => {
      const doc = b.results[0]!.document as { result: { categories: { winners: string[]; order: string[] }[] } };
      const cat = doc.result.categories[0]!;
      cat.winners = [cat.order.at(-1)!];
    },
    fails: ['signature', 'recount'],
  },
  {
    name: 'the results re-signed with a foreign key',
    change: async (b) => {
      const r = b.results[1]!;
      r.document = { ...r.document, reason: 'Nothing to see here.' };
      const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
      const jwk = await exportJWK(publicKey);
      const kid = await calculateJwkThumbprint(jwk);
      const text = canonicalJson(r.document);
      r.jws = await new CompactSign(new TextEncoder().encode(text))
        .setProtectedHeader({ alg: 'EdDSA', kid, typ: 'laurel-results+jws', cty: 'json' })
        .sign(privateKey);
      r.kid = kid;
      r.hash = await sha256Hex(text);
      b.keys.keys.push({ ...jwk, kid, alg: 'EdDSA', use: 'sig' });
    },
    fails: ['versions'],
  },
  {
    name: 'the lot secret changed where it is revealed, the chain rehashed',
    witness: true,
    change: async (b) => {
      const i = eventIndex(b, 'results.finalized');
      b.events[i]!.payload = { ...b.events[i]!.payload, lotSecret: 'ab'.repeat(32) };
      await rechain(b, i);
    },
    fails: ['lot', 'witness'],
  },
  {
    name: 'a truncated download',
    change: (b) => {
      b.ballots.pop();
    },
    fails: ['format'],
  },
];

describe('tampered bundles fail both verifiers, naming the check', () => {
  it('the honest bundle passes both, in both forms, with its witness', async () => {
    const file = join(dir, 'honest.json');
    writeFileSync(file, fixture.json);
    const ndjson = join(dir, 'honest.ndjson');
    const { publishedBundle } = await import('./support/results');
    writeFileSync(ndjson, await publishedBundle(fixture.p, 'ndjson'));
    for (const f of [file, ndjson]) {
      const r = await verifyBoth(f, [witness()]);
      expect(r.tsProblems).toEqual([]);
      expect(r.pyStatus, r.pyOutput).toBe(0);
    }
  });

  it.each(cases)('$name', async (c) => {
    const b = fresh();
    await c.change(b);
    const file = join(dir, `${c.name.replace(/[^a-z]+/gi, '-')}.json`);
    writeFileSync(file, JSON.stringify(b));
    const r = await verifyBoth(file, c.witness ? [witness()] : []);
    expect(r.ts.length, 'laurel verify found nothing').toBeGreaterThan(0);
    for (const check of c.fails) {
      expect(r.ts, `laurel verify: ${r.tsProblems.join('\n')}`).toContain(check);
      expect(r.py, `tools/verify.py: ${r.pyOutput}`).toContain(check);
    }
    expect(r.pyStatus, r.pyOutput).toBe(1);
  });

  it('a witness head that does not match fails both, and a witness from before a rewrite exposes it', async () => {
    const file = join(dir, 'witness.json');
    writeFileSync(file, fixture.json);
    const wrong = `${fixture.head.seq}:${'0'.repeat(64)}`;
    const r = await verifyBoth(file, [wrong]);
    expect(r.ts).toEqual(['witness']);
    expect(r.py).toEqual(['witness']);
    const missing = await verifyBoth(file, [`${fixture.head.seq + 5}:${fixture.head.hash}`]);
    expect(missing.ts).toEqual(['witness']);
    expect(missing.py).toEqual(['witness']);
  });

  it('the NDJSON form is checked the same way: a changed nominee fails', async () => {
    const { publishedBundle } = await import('./support/results');
    const lines = (await publishedBundle(fixture.p, 'ndjson')).trimEnd().split('\n');
    const at = lines.findIndex((l) => l.startsWith('{"ballot"'));
    const item = JSON.parse(lines[at]!) as { ballot: { nominee: string; category: string } };
    const other = Object.values(fixture.p.nominee).find((n) => n !== item.ballot.nominee)!;
    lines[at] = JSON.stringify({ ballot: { ...item.ballot, nominee: other } });
    const file = join(dir, 'tampered.ndjson');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const r = await verifyBoth(file);
    expect(r.ts).toContain('ballot-log');
    expect(r.py).toContain('ballot-log');
  });
});
