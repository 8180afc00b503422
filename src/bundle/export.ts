/**
 * The audit bundle (docs/audit.md §19): everything a stranger needs to check and recount an award, read from the
 * database after the announcement. The small parts (award, rules, structure, results, keys, events, reviews,
 * disclosures) are read whole; the ballots, which may be a million, are read in pages of the ballot log and
 * streamed, so an export never holds them all. Nothing here identifies a voter: ballots carry tracker, category,
 * nominee and batch only, and commitments to personal data stay closed.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema';
import { trackersHash } from '../abuse/groups';
import type { LoggedEvent } from '../audit/chain';
import type { AwardRows } from '../ceremonies/model';
import type { AppDeps } from '../deps';
import { resultsJwks } from '../results/signing';
import { chunks } from '../abuse/repository';
import {
  BUNDLE_FORMAT,
  REVIEW_TYPES,
  type BundleBallot,
  type BundleDisclosure,
  type BundleHeader,
  type BundleReview,
  disclosedCommitments,
} from './format';

/**
 * Ballots read per query while streaming. Each page is one synchronous read on SQLite, which holds the server's
 * event loop while a bundle is downloaded: at a million ballots a page of 5,000 took 49 ms on average and up to
 * 157 ms, a page of 1,000 takes 10 ms (up to 24), for the same total (docs/performance.md).
 */
const BALLOT_PAGE = 1000;

export interface BundleParts {
  header: BundleHeader;
  events: LoggedEvent[];
  reviews: BundleReview[];
  disclosures: BundleDisclosure[];
  ballots: () => AsyncIterable<BundleBallot[]>;
}

/** Reads the bundle of an award (the caller decides whether it may be published). */
export async function bundleParts(deps: AppDeps, award: AwardRows): Promise<BundleParts> {
  const { db } = deps.store;
  const c = award.ceremony;
  const [events, results, keys, ballotCount] = await Promise.all([
    chainEvents(db, c.id),
    db.selectFrom('results').selectAll().where('ceremony_id', '=', c.id).orderBy('version').execute(),
    resultsJwks(deps),
    db
      .selectFrom('log_leaves')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('ceremony_id', '=', c.id)
      .executeTakeFirstOrThrow(),
  ]);
  const [reviews, disclosures] = await Promise.all([reviewsOf(db, c.id, events), disclosuresOf(db, events)]);
  const last = events.at(-1);
  const header: BundleHeader = {
    format: BUNDLE_FORMAT,
    award: { id: c.id, slug: c.slug, locales: JSON.parse(c.locales), content: JSON.parse(c.content) },
    head: { seq: last?.seq ?? 0, hash: last?.hash ?? '' },
    rules: JSON.parse(c.rules) as Record<string, unknown>,
    categories: award.categories.map((cat) => ({
      id: cat.id,
      slug: cat.slug,
      track: cat.track_id,
      k: cat.k,
      winners: cat.winners,
      content: JSON.parse(cat.content),
    })),
    institutions: award.institutions.map((i) => ({
      id: i.id,
      slug: i.slug,
      weight: i.weight,
      content: JSON.parse(i.content),
    })),
    nominees: award.nominees.map((n) => ({
      id: n.id,
      category: n.category_id,
      slug: n.slug,
      status: n.status,
      ...(Number(n.erased) ? { erased: true as const } : { content: JSON.parse(n.content) }),
    })),
    results: results.map((r) => ({
      version: Number(r.version),
      hash: r.hash,
      kid: r.kid,
      jws: r.jws,
      document: JSON.parse(r.document) as Record<string, unknown>,
    })),
    keys: keys as BundleHeader['keys'],
    counts: {
      events: events.length,
      reviews: reviews.length,
      disclosures: disclosures.length,
      ballots: Number(ballotCount.n),
    },
  };
  return { header, events, reviews, disclosures, ballots: () => ballotPages(db, c.id) };
}

async function chainEvents(db: Kysely<Database>, chain: string): Promise<LoggedEvent[]> {
  const rows = await db
    .selectFrom('events')
    .select(['body', 'prev', 'hash'])
    .where('chain', '=', chain)
    .orderBy('seq')
    .execute();
  // The stored body is the canonical text that was hashed (§3.4): parse it rather than rebuild it from columns.
  return rows.map((r) => ({
    ...(JSON.parse(r.body) as Omit<LoggedEvent, 'prev' | 'hash'>),
    prev: r.prev,
    hash: r.hash,
  }));
}

/**
 * The trackers behind each review event. A review's ballot changes share an action id (`<action>-<tracker>`), but
 * nothing ties an action to its event except the event's `trackersHash` over the sorted trackers, so actions are
 * matched to events by type and that hash. Two actions with the same type and trackers are interchangeable.
 * Voids by a withdrawal match no review event: the replay derives them (§20).
 */
async function reviewsOf(db: Kysely<Database>, ceremonyId: string, events: LoggedEvent[]): Promise<BundleReview[]> {
  const reviewEvents = events.filter((e) => REVIEW_TYPES[e.type] && Number(e.payload.count) > 0);
  if (reviewEvents.length === 0) return [];
  const rows = await db
    .selectFrom('ballot_changes')
    .select(['id', 'tracker', 'change'])
    .where('ceremony_id', '=', ceremonyId)
    .where('change', 'in', ['flagged', 'voided', 'restored'])
    .execute();
  const actions = new Map<string, { change: string; trackers: string[] }>();
  for (const r of rows) {
    const action = r.id.slice(0, r.id.length - r.tracker.length - 1);
    const entry = actions.get(action) ?? { change: r.change, trackers: [] };
    entry.trackers.push(r.tracker);
    actions.set(action, entry);
  }
  const byHash = new Map<string, string[][]>();
  for (const a of actions.values()) {
    const key = `${a.change} ${await trackersHash(a.trackers)}`;
    byHash.set(key, [...(byHash.get(key) ?? []), [...a.trackers].sort()]);
  }
  const reviews: BundleReview[] = [];
  for (const e of reviewEvents) {
    const found = byHash.get(`${REVIEW_TYPES[e.type]} ${String(e.payload.trackersHash)}`)?.shift();
    // A review event without its changes cannot happen (one batch writes both); if it did, the verifier says so.
    if (found) reviews.push({ seq: e.seq, trackers: found });
  }
  return reviews;
}

/** The disclosures of the commitments a bundle opens, in the order their events name them. */
async function disclosuresOf(db: Kysely<Database>, events: LoggedEvent[]): Promise<BundleDisclosure[]> {
  const unique = [...disclosedCommitments(events).keys()];
  const found = new Map<string, BundleDisclosure>();
  for (const part of chunks(unique))
    for (const r of await db
      .selectFrom('disclosures')
      .select(['commitment', 'salt', 'value'])
      .where('commitment', 'in', part)
      .execute())
      found.set(r.commitment, r);
  return unique.flatMap((c) => (found.has(c) ? [found.get(c)!] : []));
}

/** The ballots in leaf order, a page at a time (keyset on the leaf index). */
async function* ballotPages(db: Kysely<Database>, ceremonyId: string): AsyncIterable<BundleBallot[]> {
  for (let from = 0; ; from += BALLOT_PAGE) {
    const rows = await db
      .selectFrom('log_leaves as l')
      .innerJoin('ballots as b', 'b.tracker', 'l.tracker')
      .select(['l.tracker', 'l.batch', 'b.category_id', 'b.nominee_id'])
      .where('l.ceremony_id', '=', ceremonyId)
      .where('l.idx', '>=', from)
      .where('l.idx', '<', from + BALLOT_PAGE)
      .orderBy('l.idx')
      .execute();
    if (rows.length === 0) return;
    yield rows.map((r) => ({
      tracker: r.tracker,
      category: r.category_id,
      nominee: r.nominee_id,
      batch: Number(r.batch),
    }));
    if (rows.length < BALLOT_PAGE) return;
  }
}

/** The NDJSON form (§19.2), a chunk of lines at a time. */
export async function* bundleNdjson(parts: BundleParts): AsyncIterable<string> {
  yield `${JSON.stringify(parts.header)}\n`;
  yield* lines('event', parts.events);
  yield* lines('review', parts.reviews);
  yield* lines('disclosure', parts.disclosures);
  for await (const page of parts.ballots()) yield page.map((b) => `${JSON.stringify({ ballot: b })}\n`).join('');
}

function* lines(kind: string, items: unknown[]): Iterable<string> {
  for (let i = 0; i < items.length; i += 500)
    yield items
      .slice(i, i + 500)
      .map((item) => `${JSON.stringify({ [kind]: item })}\n`)
      .join('');
}

/** The JSON form (§19.1), streamed as text: the header's members, then the four lists item by item. */
export async function* bundleJson(parts: BundleParts): AsyncIterable<string> {
  const head = JSON.stringify(parts.header);
  yield `${head.slice(0, -1)},\n"events":[`;
  yield* items(parts.events);
  yield '],\n"reviews":[';
  yield* items(parts.reviews);
  yield '],\n"disclosures":[';
  yield* items(parts.disclosures);
  yield '],\n"ballots":[';
  let first = true;
  for await (const page of parts.ballots()) {
    if (page.length === 0) continue;
    yield `${first ? '\n' : ',\n'}${page.map((b) => JSON.stringify(b)).join(',\n')}`;
    first = false;
  }
  yield ']}\n';
}

function* items(list: unknown[]): Iterable<string> {
  for (let i = 0; i < list.length; i += 500)
    yield `${i === 0 ? '\n' : ',\n'}${list
      .slice(i, i + 500)
      .map((item) => JSON.stringify(item))
      .join(',\n')}`;
}
