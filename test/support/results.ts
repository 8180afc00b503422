/**
 * Awards taken through the whole results pipeline over HTTP, for tests that check the figures by hand: an award
 * opened for voting with its organizer, ballots cast by fresh voters (optionally from a given network), jurors
 * invited and signed in, the close, rubric and ranking sheets, finalization, and the document read back as the
 * organizer. Nominees, categories and institutions are named by slug in the tests and mapped to the ids that the
 * document uses; the lot is recomputed with node:crypto, apart from src/tally/lot.ts (WebCrypto).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { LoggedEvent } from '../../src/audit/chain';
import { listEvents } from '../../src/audit/log';
import type { Bundle } from '../../src/bundle/format';
import { AwardDefinition } from '../../src/ceremonies/schemas';
import { movePhase, requireAward } from '../../src/ceremonies/service';
import type { ResultsDocument } from '../../src/results/document';
import { tally } from '../../src/tally';
import { verifyBundle } from '../../src/verify/checks';
import type { CategoryResult, TieBreak } from '../../src/tally/types';
import { type TestEnv, bearer, post, signIn, testEnv } from '../helpers';
import { nonce, openVote, voterToken } from './awards';

export interface CategorySpec {
  slug: string;
  /** Nominee slugs, unique across the award (tests name nominees by slug alone). */
  nominees: string[];
  k?: number;
  winners?: number;
}

export interface AwardSpec {
  /** The award's `rules`, parsed with their defaults (criteria default to one `merit` criterion). */
  rules: Record<string, unknown>;
  categories: CategorySpec[];
  /** Institution slug to weight; default one `panel` of weight 1. */
  institutions?: Record<string, number>;
}

/** An award definition with one track holding the given categories. */
export function resultsAward(slug: string, spec: AwardSpec): AwardDefinition {
  return AwardDefinition.parse({
    format: 'laurel-award/1',
    slug,
    locales: ['en'],
    name: { en: `Award ${slug}` },
    rules: spec.rules,
    institutions: Object.entries(spec.institutions ?? { panel: 1 }).map(([s, weight]) => ({
      slug: s,
      name: { en: s },
      weight,
    })),
    tracks: [
      {
        slug: 'main',
        name: { en: 'Main' },
        categories: spec.categories.map((c) => ({
          slug: c.slug,
          name: { en: c.slug },
          ...(c.k !== undefined ? { k: c.k } : {}),
          ...(c.winners !== undefined ? { winners: c.winners } : {}),
          nominees: c.nominees.map((n) => ({ slug: n, name: { en: n.toUpperCase() } })),
        })),
      },
    ],
  });
}

/** An award in the pipeline: its environment, organizer token, and slug-to-id maps. */
export interface Pipeline {
  env: TestEnv;
  slug: string;
  id: string;
  organizer: string;
  /** Nominee slug to id. */
  nominee: Record<string, string>;
  /** Category slug to id. */
  category: Record<string, string>;
  /** Institution slug to id. */
  institution: Record<string, string>;
}

let awards = 0;

/**
 * Creates the award from `spec`, opens the vote and signs its organizer in. `env` passes settings to the test
 * environment (e.g. TRUST_PROXY, so ballots from distinct X-Forwarded-For headers form network groups).
 */
export async function openPipeline(name: string, spec: AwardSpec, env: Record<string, string> = {}): Promise<Pipeline> {
  const t = await testEnv({ env });
  const slug = `${name}-${++awards}-${nonce().slice(0, 6)}`;
  const id = await openVote(t, resultsAward(slug, spec));
  const organizer = await signIn(t, `org-${slug}@example.kg`, id);
  const a = await requireAward(t, id);
  const slugs = a.nominees.map((n) => n.slug);
  if (new Set(slugs).size !== slugs.length) throw new Error('nominee slugs must be unique across the award');
  return pipelineOf(t, slug, id, organizer);
}

/** The Pipeline of an award that exists: its ids by slug, read from the database. */
export async function pipelineOf(env: TestEnv, slug: string, id: string, organizer: string): Promise<Pipeline> {
  const a = await requireAward(env, id);
  return {
    env,
    slug,
    id,
    organizer,
    nominee: Object.fromEntries(a.nominees.map((n) => [n.slug, n.id])),
    category: Object.fromEntries(a.categories.map((c) => [c.slug, c.id])),
    institution: Object.fromEntries(a.institutions.map((i) => [i.slug, i.id])),
  };
}

/** The ids of nominee slugs, in the order given. */
export const idsOf = (p: Pipeline, slugs: readonly string[]): string[] => slugs.map((s) => idOf(p, s));

function idOf(p: Pipeline, slug: string): string {
  const id = p.nominee[slug];
  if (!id) throw new Error(`no nominee ${slug}`);
  return id;
}

/** A record keyed by nominee slug, keyed by nominee id instead (for comparing with the document). */
export function byId<T>(p: Pipeline, record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).map(([slug, v]) => [idOf(p, slug), v]));
}

/** Nominee ids sorted the way the tally sorts ids (code point order; ids are ASCII). */
export const sortedIds = (p: Pipeline, slugs: readonly string[]): string[] => idsOf(p, slugs).sort();

/** A fetch of the app, as the organizer unless another token is given. */
export function call(p: Pipeline, path: string, body?: unknown, opts: { method?: string; token?: string } = {}) {
  const token = opts.token ?? p.organizer;
  if (body === undefined) return p.env.app.request(path, { headers: bearer(token) });
  return post(p.env, path, body, bearer(token), opts.method ?? 'POST');
}

/** `/api/ceremonies/{slug}` + rest. */
export const api = (p: Pipeline, rest: string) => `/api/ceremonies/${p.slug}${rest}`;

let voters = 0;

/**
 * One ballot by a fresh voter; `from` is the client address a trusted proxy reports. Returns the tracker.
 */
export async function castBallot(p: Pipeline, category: string, nominee: string, from?: string): Promise<string> {
  const token = await voterToken(p.env, p.id, `voter${++voters}`);
  const res = await post(
    p.env,
    api(p, '/ballots'),
    { category, nominee, nonce: nonce() },
    { ...bearer(token), ...(from ? { 'x-forwarded-for': from } : {}) },
  );
  expect(res.status, await res.clone().text()).toBe(201);
  return ((await res.json()) as { tracker: string }).tracker;
}

/**
 * `counts[nominee]` ballots for each nominee of `category`, each by a fresh voter from its own network
 * (198.18.N.1, one /24 each, so no two form a group). Returns the trackers per nominee slug.
 */
export async function castVotes(
  p: Pipeline,
  category: string,
  counts: Record<string, number>,
): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const [nominee, n] of Object.entries(counts)) {
    out[nominee] = [];
    for (let i = 0; i < n; i++) out[nominee].push(await castBallot(p, category, nominee, `198.18.${voters % 250}.1`));
  }
  return out;
}

/** Adds a juror through the jury API and spends their invitation; returns the juror's Bearer token. */
export async function invitedJuror(
  p: Pipeline,
  juror: { name: string; institution?: string; categories: string[]; weight?: number },
): Promise<string> {
  const added = await call(p, api(p, '/jury/jurors'), { institution: 'panel', ...juror });
  expect(added.status, await added.clone().text()).toBe(201);
  const url = ((await added.json()) as { invitation: { url: string } }).invitation.url;
  const token = new URL(url).pathname.split('/').pop()!;
  const session = await post(p.env, `/api/jury/invitations/${token}`, {});
  expect(session.status).toBe(200);
  return ((await session.json()) as { token: string }).token;
}

/** Closes the vote by hand: the award moves to judging and the close computes and stores the finalists. */
export async function closeVote(p: Pipeline): Promise<void> {
  await movePhase(p.env, await requireAward(p.env, p.id), 'judging', 'cli', 'hand');
}

const sheet = (p: Pipeline, category: string) => api(p, `/jury/sheets/${category}`);

async function declareNoConflicts(p: Pipeline, juror: string, category: string): Promise<void> {
  const res = await call(p, `${sheet(p, category)}/conflicts`, { nominees: [] }, { method: 'PUT', token: juror });
  expect(res.status, await res.clone().text()).toBe(200);
}

/** Submits a juror's sheet of a category. */
export async function submitSheet(p: Pipeline, juror: string, category: string): Promise<void> {
  const res = await call(p, `${sheet(p, category)}/submit`, {}, { token: juror });
  expect(res.status, await res.clone().text()).toBe(200);
}

/**
 * Rubric with the single `merit` criterion: declares no conflicts, scores each finalist (by slug) and submits
 * unless `submit` is false.
 */
export async function scoreSheet(
  p: Pipeline,
  juror: string,
  category: string,
  merit: Record<string, number>,
  { submit = true } = {},
): Promise<void> {
  await declareNoConflicts(p, juror, category);
  for (const [nominee, score] of Object.entries(merit)) {
    const res = await call(
      p,
      `${sheet(p, category)}/scores/${nominee}`,
      { scores: { merit: score } },
      { method: 'PUT', token: juror },
    );
    expect(res.status, await res.clone().text()).toBe(200);
  }
  if (submit) await submitSheet(p, juror, category);
}

/** Ranking mode: declares no conflicts, saves the ranking (slugs, best first) and submits. */
export async function rankSheet(p: Pipeline, juror: string, category: string, ranking: string[]): Promise<void> {
  await declareNoConflicts(p, juror, category);
  const res = await call(p, `${sheet(p, category)}/ranking`, { ranking }, { method: 'PUT', token: juror });
  expect(res.status, await res.clone().text()).toBe(200);
  await submitSheet(p, juror, category);
}

export interface ReadResults {
  version: number;
  hash: string;
  document: ResultsDocument;
}

/** Finalizes through the API (expects 201) and returns the document as the organizer reads it. */
export async function finalize(p: Pipeline): Promise<ReadResults> {
  const res = await call(p, api(p, '/results/finalize'), {});
  expect(res.status, await res.clone().text()).toBe(201);
  return readResults(p);
}

/** A version of the results (the latest by default) as the organizer reads it. */
export async function readResults(p: Pipeline, version?: number): Promise<ReadResults> {
  const res = await call(p, api(p, `/results${version ? `?version=${version}` : ''}`));
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as ReadResults;
}

/** The result of one category of the document, by slug. */
export function categoryResult(p: Pipeline, doc: ResultsDocument, category: string): CategoryResult {
  const found = doc.result.categories.find((c) => c.id === p.category[category]);
  if (!found) throw new Error(`no category ${category} in the results`);
  return found;
}

/** The `finalists` section of one category of the document, by slug. */
export function finalistsSection(p: Pipeline, doc: ResultsDocument, category: string) {
  const found = doc.finalists.categories.find((c) => c.category === p.category[category]);
  if (!found) throw new Error(`no category ${category} in the finalists`);
  return found;
}

/** The award's events of one type, oldest first. */
export async function eventsOf(p: Pipeline, type: string): Promise<LoggedEvent[]> {
  return (await listEvents(p.env.store.db, p.id)).filter((e) => e.type === type);
}

const sha256 = (...parts: Buffer[]) => {
  const h = createHash('sha256');
  for (const part of parts) h.update(part);
  return h.digest();
};

/**
 * Tally rule 7 by hand, from the revealed secret S and the closing root (both hex): seed = SHA-256(S || root),
 * ids ordered by SHA-256(seed || UTF-8(id)) ascending, the first being the best.
 */
export function handLot(secret: string, root: string) {
  const seed = sha256(Buffer.from(secret, 'hex'), Buffer.from(root, 'hex'));
  const key = (id: string) => sha256(seed, Buffer.from(id, 'utf8')).toString('hex');
  return {
    seed: seed.toString('hex'),
    commitment: sha256(Buffer.from(secret, 'hex')).toString('hex'),
    order: (ids: readonly string[]) => [...ids].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0)),
  };
}

/** Nominee slugs ordered by their ids (how the tally orders nominees with equal votes among the top K). */
export const slugsByIdOrder = (p: Pipeline, slugs: readonly string[]): string[] =>
  [...slugs].sort((a, b) => (idOf(p, a) < idOf(p, b) ? -1 : 1));

export interface ExpectedCategory {
  /** Counted and flagged ballots per accepted nominee of the category. */
  public: Record<string, number>;
  /** The finalists in stored order, with the tally's reason (`organizer` for every stored finalist but wildcards). */
  finalists: [string, 'organizer' | 'wildcard'][];
  jury: Record<string, string | null>;
  juryShare: Record<string, string>;
  publicShare: Record<string, string>;
  final: Record<string, string>;
  order: string[];
  winners: string[];
}

/** The category's result, exactly (every figure), written with nominee slugs. */
export function expectCategory(p: Pipeline, doc: ResultsDocument, category: string, want: ExpectedCategory): void {
  expect(categoryResult(p, doc, category)).toEqual({
    id: p.category[category],
    public: byId(p, want.public),
    finalists: want.finalists.map(([nominee, why]) => ({ nominee: idOf(p, nominee), why })),
    jury: byId(p, want.jury),
    juryShare: byId(p, want.juryShare),
    publicShare: byId(p, want.publicShare),
    final: byId(p, want.final),
    order: idsOf(p, want.order),
    winners: idsOf(p, want.winners),
  });
}

/** The document's `finalists` section of a category, exactly: [slug, why, reason] in stored order. */
export function expectFinalists(
  p: Pipeline,
  doc: ResultsDocument,
  category: string,
  finalists: [string, string, string | null][],
  changeWithoutFlagged = false,
): void {
  expect(finalistsSection(p, doc, category)).toEqual({
    category: p.category[category],
    finalists: finalists.map(([nominee, why, reason]) => ({ nominee: idOf(p, nominee), why, reason })),
    changeWithoutFlagged,
  });
}

/** The outside recount: the document's input alone gives its result and details. */
export async function expectRecount(doc: ResultsDocument): Promise<void> {
  const { details, ...published } = await tally(doc.input);
  expect(published).toEqual(doc.result);
  expect(details).toEqual(doc.details);
}

/** The payload of the close's `finalists.computed` event (the finalists as decided at close, with why). */
export interface FinalistsComputed {
  mode: string;
  categories: { category: string; finalists: { nominee: string; why: string }[] }[];
  tieBreaks: TieBreak[];
  /** Trackers of the ballots flagged when voting closed, sorted. */
  flagged: string[];
}

export async function finalistsComputed(p: Pipeline): Promise<FinalistsComputed> {
  const [event, ...more] = await eventsOf(p, 'finalists.computed');
  expect(more).toHaveLength(0);
  return event!.payload as unknown as FinalistsComputed;
}

/** The audit bundle of the award as anyone downloads it, announcing the results first when only finalized. */
export async function publishedBundle(p: Pipeline, format: 'json' | 'ndjson' = 'json'): Promise<string> {
  const award = await requireAward(p.env, p.id);
  if (award.ceremony.phase === 'finalized') expect((await call(p, api(p, '/results/announce'), {})).status).toBe(200);
  const res = await p.env.app.request(api(p, `/bundle?format=${format}`));
  expect(res.status, await res.clone().text()).toBe(200);
  return res.text();
}

/**
 * Both verifiers on the award's bundle: `laurel verify`'s checks in process, and `tools/verify.py bundle` on the
 * same file; every check must pass. Returns the bundle text.
 */
export async function expectBundleVerifies(p: Pipeline): Promise<string> {
  const text = await publishedBundle(p);
  const failed = (await verifyBundle(JSON.parse(text) as Bundle)).filter((c) => !c.ok);
  expect(failed.flatMap((c) => c.problems.map((x) => `${c.check}: ${x}`))).toEqual([]);
  const dir = mkdtempSync(join(tmpdir(), 'laurel-bundle-'));
  try {
    writeFileSync(join(dir, 'bundle.json'), text);
    const py = spawnSync('python3', ['tools/verify.py', 'bundle', join(dir, 'bundle.json')], { encoding: 'utf8' });
    expect(py.status, `${py.stdout}${py.stderr}`).toBe(0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return text;
}
