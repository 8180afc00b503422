/**
 * The audit bundle over HTTP (docs/audit.md §19): embargoed until the announcement (also for organizers), JSON and
 * NDJSON with the same content, and nothing in it that identifies a voter or opens a personal commitment.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { DISCLOSED_MEMBERS, type Bundle } from '../src/bundle/format';
import { readBundle } from '../src/verify/read';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type BundleFixture, bundleFixture } from './support/bundle';
import {
  api,
  call,
  castVotes,
  closeVote,
  finalize,
  invitedJuror,
  openPipeline,
  publishedBundle,
  scoreSheet,
} from './support/results';
import { tempDir } from './support/run';

const dir = tempDir('laurel-bundle-');
let fixture: BundleFixture;
let bundle: Bundle;
beforeAll(async () => {
  fixture = await bundleFixture();
  bundle = JSON.parse(fixture.json) as Bundle;
}, 120_000);

describe('the audit bundle', () => {
  it('is published with the results: 404 before the announcement for everyone, organizers included', async () => {
    const p = await openPipeline('embargo', {
      rules: {
        finalists: { mode: 'public', k: 1 },
        jury: { mode: 'rubric', scale: [0, 10], criteria: [{ id: 'merit', weight: 1 }] },
      },
      categories: [{ slug: 'mentor', nominees: ['a', 'b'] }],
    });
    await castVotes(p, 'mentor', { a: 2, b: 1 });
    const juror = await invitedJuror(p, { name: 'J', categories: ['mentor'] });
    const anonymous = () => p.env.app.request(api(p, '/bundle'));
    expect((await anonymous()).status).toBe(404);
    await closeVote(p);
    await scoreSheet(p, juror, 'mentor', { a: 6 });
    await finalize(p);
    // Finalized, not announced: the bundle would tell the scores before the ceremony.
    for (const res of [
      await anonymous(),
      await call(p, api(p, '/bundle')),
      await call(p, api(p, '/bundle'), undefined, { token: juror }),
    ]) {
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
    }
    const text = await publishedBundle(p);
    expect((JSON.parse(text) as Bundle).format).toBe('laurel-bundle/1');
  });

  it('answers JSON by default and NDJSON on request, with the same content', async () => {
    const json = await fixture.p.env.app.request(api(fixture.p, '/bundle'));
    expect(json.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(json.headers.get('content-disposition')).toContain(`${fixture.p.slug}-bundle.json`);
    const nd = await fixture.p.env.app.request(api(fixture.p, '/bundle?format=ndjson'));
    expect(nd.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
    const lines = (await nd.text()).trimEnd().split('\n');
    // Header, then events, reviews, disclosures and ballots, one per line, as many as counts says.
    const c = bundle.counts;
    expect(lines).toHaveLength(1 + c.events + c.reviews + c.disclosures + c.ballots);
    expect(Object.keys(JSON.parse(lines[1]!) as object)).toEqual(['event']);
    expect(Object.keys(JSON.parse(lines.at(-1)!) as object)).toEqual(['ballot']);
    const file = join(dir, 'b.ndjson');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const read = await readBundle(file);
    expect(read.problems).toEqual([]);
    expect(read.bundle).toEqual(bundle);
    expect((await fixture.p.env.app.request(api(fixture.p, '/bundle?format=xml'))).status).toBe(400);
  });

  it('holds the whole award: every event, ballot, review, jury disclosure and results version', async () => {
    expect(bundle.counts).toEqual({
      events: bundle.events.length,
      reviews: bundle.reviews.length,
      disclosures: bundle.disclosures.length,
      ballots: bundle.ballots.length,
    });
    // 8 + 6 + 3 ballots; a flag, a void while judging and one after the announcement; v1 and the correction.
    expect(bundle.ballots).toHaveLength(17);
    expect(bundle.reviews.map((r) => r.trackers.length)).toEqual([3, 1, 1]);
    expect(bundle.reviews.flatMap((r) => r.trackers)).toEqual(expect.arrayContaining(fixture.voided));
    expect(bundle.results.map((r) => r.version)).toEqual([1, 2]);
    expect(new Set(bundle.ballots.map((b) => b.batch))).toEqual(new Set([1, 2]));
    expect(bundle.events.at(-1)).toMatchObject({ seq: fixture.head.seq, hash: fixture.head.hash });
  });

  it('identifies no voter and opens no personal commitment', async () => {
    const text = fixture.json;
    // Ballots carry exactly tracker, category, nominee and batch: no time, mark, network or agent.
    for (const b of bundle.ballots) expect(Object.keys(b).sort()).toEqual(['batch', 'category', 'nominee', 'tracker']);
    // The client addresses the ballots came from, the voters' and organizer's e-mail addresses, person keys.
    expect(text).not.toMatch(/198\.18\.|203\.0\.113\./);
    expect(text).not.toMatch(/[a-z0-9.-]+@[a-z0-9-]+\.[a-z]/i);
    const { db } = fixture.p.env.store;
    const personKeys = (await db.selectFrom('marks').select('person_key').execute()).map((m) => m.person_key);
    expect(personKeys.length).toBeGreaterThan(0);
    for (const key of personKeys) expect(text).not.toContain(key);
    // Only the jury's and wildcard reasons' commitments are opened, never a name, address or note.
    const opened = new Set(bundle.disclosures.map((d) => d.commitment));
    for (const e of bundle.events)
      for (const [member, value] of Object.entries(e.payload))
        if (member.endsWith('Commitment') && opened.has(value as string))
          expect([...DISCLOSED_MEMBERS, 'reasonCommitment']).toContain(member);
    const personal = bundle.events.flatMap((e) =>
      ['nameCommitment', 'emailCommitment', 'noteCommitment'].map((m) => e.payload[m]),
    );
    for (const c of personal.filter(Boolean)) expect(opened.has(c as string)).toBe(false);
  });
});
