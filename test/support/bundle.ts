/**
 * One award that exercises every part of an audit bundle, for the bundle and tamper tests: public finalists with
 * a flagged network and a wildcard, two checkpoints, a voided ballot, a rubric jury of two institutions with
 * weights and a declared conflict, finalization, the announcement, a void after it and a correction (version 2).
 */
import { expect } from 'vitest';
import { writeCheckpoint } from '../../src/ballots/checkpoint';
import {
  type Pipeline,
  api,
  call,
  castBallot,
  castVotes,
  closeVote,
  finalize,
  invitedJuror,
  openPipeline,
  publishedBundle,
  scoreSheet,
} from './results';

export interface BundleFixture {
  p: Pipeline;
  /** The JSON form as downloaded. */
  json: string;
  /** The chain head after the correction (a witness). */
  head: { seq: number; hash: string };
  /** A tracker voided while judging, and one voided after the announcement. */
  voided: string[];
}

const RUBRIC = { mode: 'rubric', scale: [0, 10], criteria: [{ id: 'merit', weight: 1 }] };

export async function bundleFixture(): Promise<BundleFixture> {
  const p = await openPipeline(
    'bundle',
    {
      rules: { finalists: { mode: 'public', k: 2 }, jury: RUBRIC, weights: { jury: 3, public: 2 } },
      categories: [
        { slug: 'mentor', nominees: ['a', 'b', 'c', 'd'] },
        { slug: 'pioneer', nominees: ['e', 'f', 'g'] },
      ],
      institutions: { uni: 2, ngo: 1 },
    },
    { TRUST_PROXY: 'x-forwarded-for' },
  );
  const mentor = await castVotes(p, 'mentor', { a: 4, b: 3, c: 1 });
  // Checkpoint 1 here; the rest lands in the closing checkpoint 2.
  expect((await writeCheckpoint(p.env, p.id))?.batch).toBe(1);
  const pioneer = await castVotes(p, 'pioneer', { e: 2, f: 3, g: 1 });
  // Three ballots from one network, flagged as a group (they still count).
  for (let i = 0; i < 3; i++) await castBallot(p, 'pioneer', 'g', '203.0.113.7');
  const groups = (await (await call(p, api(p, '/review/groups?min=3'))).json()) as { groups: { network: string }[] };
  const flag = await call(p, api(p, '/review/flag'), { network: groups.groups[0]!.network, reason: 'automated' });
  expect(flag.status, await flag.clone().text()).toBe(200);
  const wildcard = await call(p, api(p, '/categories/mentor/finalists/wildcards'), {
    nominee: 'd',
    reason: 'A late, strong case.',
  });
  expect(wildcard.status, await wildcard.clone().text()).toBe(201);

  const uni = await invitedJuror(p, { name: 'U', institution: 'uni', categories: ['mentor', 'pioneer'], weight: 2 });
  const ngo = await invitedJuror(p, { name: 'N', institution: 'ngo', categories: ['mentor', 'pioneer'] });
  await closeVote(p);
  const early = await call(p, api(p, '/review/void'), { trackers: [pioneer.f![0]], reason: 'duplicate-person' });
  expect(early.status, await early.clone().text()).toBe(200);
  await scoreSheet(p, uni, 'mentor', { a: 7, b: 9, d: 6 });
  await scoreSheet(p, ngo, 'mentor', { a: 8, b: 6, d: 9 });
  await scoreSheet(p, uni, 'pioneer', { f: 8, g: 3 });
  // Pioneer's finalists are g (1 + 3 flagged) and f (3). The NGO juror declares a conflict with f, scores g only.
  const declared = await call(
    p,
    api(p, '/jury/sheets/pioneer/conflicts'),
    { nominees: ['f'] },
    { method: 'PUT', token: ngo },
  );
  expect(declared.status, await declared.clone().text()).toBe(200);
  for (const [nominee, merit] of [['g', 4]] as const) {
    const saved = await call(
      p,
      api(p, `/jury/sheets/pioneer/scores/${nominee}`),
      { scores: { merit } },
      { method: 'PUT', token: ngo },
    );
    expect(saved.status, await saved.clone().text()).toBe(200);
  }
  expect((await call(p, api(p, '/jury/sheets/pioneer/submit'), {}, { token: ngo })).status).toBe(200);

  await finalize(p);
  expect((await call(p, api(p, '/results/announce'), {})).status).toBe(200);
  const late = await call(p, api(p, '/review/void'), { trackers: [mentor.a![0]], reason: 'purchased' });
  expect(late.status, await late.clone().text()).toBe(200);
  const amended = await call(p, api(p, '/results/amend'), { reason: 'A purchased ballot for A was voided.' });
  expect(amended.status, await amended.clone().text()).toBe(201);

  const json = await publishedBundle(p);
  const head = (await (await p.env.app.request(api(p, '/events/head'))).json()) as { seq: number; hash: string };
  return { p, json, head, voided: [pioneer.f![0]!, mentor.a![0]!] };
}
