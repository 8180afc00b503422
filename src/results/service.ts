/**
 * Finalization, announcement and corrections. Finalization computes the results document once from the stored
 * vote, finalists and submitted jury sheets, signs it (JWS, EdDSA), and in one atomic batch stores it, appends
 * `results.finalized` (which reveals the lot secret S), moves the award to `finalized` and deletes the award's
 * fraud-signal key and signals. The document says which event head it was computed at; the batch is refused if
 * anything was logged since, and the computation starts again. Until the announcement only organizers read the
 * results; afterwards everyone does, and an organizer may publish corrections, each a new signed version that
 * cites the one before and a reason. Versions never change or go away.
 */
import { type Compilable, sql } from 'kysely';
import type { ResultsTable } from '../../db/schema';
import { canonicalJson, sha256Hex } from '../audit/canonical';
import { chainHead, commitChange } from '../audit/log';
import { finalistRows } from '../abuse/repository';
import { destroyKeyStatement } from '../ballots/keys';
import { lastCheckpoint } from '../ballots/checkpoint';
import { lotSecretHex, namedFinalists, tallyCategories, voteCounts } from '../ballots/tally-input';
import { type AwardRows, rulesOf } from '../ceremonies/model';
import { ceremonyIs } from '../ceremonies/repository';
import type { Rules } from '../ceremonies/schemas';
import type { AppDeps } from '../deps';
import { ApiError } from '../errors';
import { juryTallyInput } from '../jury/service';
import { computeFinalists, lotSeed, tally } from '../tally';
import type { FinalistReason, TallyInput } from '../tally/types';
import { type ResultsDocument, type StoredFinalist, resultsDocument } from './document';
import { signResults } from './signing';

/** Phases in which the results are public. */
export const PUBLISHED_PHASES = ['announced', 'amended'] as const;
const MAX_ATTEMPTS = 3;

export type ResultsRow = Omit<ResultsTable, 'created_at'> & { created_at: number };

export interface Computed {
  document: ResultsDocument;
  text: string;
  hash: string;
  jws: string;
  kid: string;
  headSeq: number;
}

/** Computes and signs the results document of the award as it stands (not stored). */
export async function computeResults(
  deps: AppDeps,
  award: AwardRows,
  meta: { version: number; supersedes: { version: number; hash: string } | null; reason: string | null },
): Promise<Computed> {
  const c = award.ceremony;
  const { db } = deps.store;
  const closing = await lastCheckpoint(deps.store, c.id);
  if (!c.rules_hash || !c.nominees_hash || !c.lot_commitment || !closing?.closing)
    throw new ApiError('wrong-phase', 'The vote of this award has not closed yet; there is nothing to finalize.');
  const head = (await chainHead(db, c.id))!;
  const rules = rulesOf(award);
  const rows = await finalistRows(db, c.id);
  const lotSecret = await lotSecretHex(deps, award);
  const categories = tallyCategories(award);
  const ballots = await voteCounts(db, award);
  const input: TallyInput = {
    rules: { finalists: { mode: 'organizer' }, jury: rules.jury, weights: rules.weights, tieChain: rules.tieChain },
    lotSecret,
    closingRoot: closing.root,
    categories,
    ballots,
    ...namedFinalists(award, rows, (why) => why !== 'wildcard'),
    ...(await juryTallyInput(deps, award)),
  };
  const result = await tally(input);
  const accepted = new Set(award.nominees.filter((n) => n.status === 'accepted').map((n) => n.id));
  const finalists: StoredFinalist[] = rows
    .filter((r) => accepted.has(r.nominee_id))
    .map((r) => ({ category: r.category_id, nominee: r.nominee_id, why: r.why as FinalistReason, reason: r.reason }));
  const document = resultsDocument(
    {
      award: { id: c.id, slug: c.slug },
      ...meta,
      at: deps.clock(),
      rulesHash: c.rules_hash,
      nomineesHash: c.nominees_hash,
      lot: { commitment: c.lot_commitment, secret: lotSecret, seed: await lotSeed(lotSecret, closing.root) },
      closingCheckpoint: { batch: closing.batch, treeSize: Number(closing.tree_size), root: closing.root },
      eventHead: { seq: head.seq, hash: head.hash },
      finalistRule: rules.finalists,
      finalists,
      finalistsChangeWithoutFlagged: await finalistsWithoutFlagged(input, rules, finalists),
    },
    input,
    result,
  );
  const text = canonicalJson(document);
  const { jws, kid } = await signResults(deps, text);
  return { document, text, hash: await sha256Hex(text), jws, kid, headSeq: head.seq };
}

/**
 * The sensitivity line for the finalists: under the award's own finalist rule (`public` top K), would leaving out
 * the flagged ballots pick other finalists than the top-K ones stored? Organizer picks do not depend on ballots.
 */
async function finalistsWithoutFlagged(
  input: TallyInput,
  rules: Rules,
  stored: StoredFinalist[],
): Promise<Record<string, boolean>> {
  if (rules.finalists.mode !== 'public') return Object.fromEntries(input.categories.map((cat) => [cat.id, false]));
  const recount = await computeFinalists({
    rules: { finalists: rules.finalists },
    lotSecret: input.lotSecret,
    closingRoot: input.closingRoot,
    categories: input.categories,
    ballots: input.ballots.filter((b) => b.status === 'counted'),
    wildcards: [],
    organizerFinalists: {},
  });
  return Object.fromEntries(
    recount.categories.map((cat) => {
      const mine = stored.filter((f) => f.category === cat.id && f.why !== 'wildcard').map((f) => f.nominee);
      const other = cat.finalists.map((f) => f.nominee);
      const same = mine.length === other.length && mine.every((n) => other.includes(n));
      return [cat.id, !same];
    }),
  );
}

function insertResults(deps: AppDeps, ceremonyId: string, version: number, computed: Computed): Compilable {
  return deps.store.db.insertInto('results').values({
    ceremony_id: ceremonyId,
    version,
    document: computed.text,
    hash: computed.hash,
    jws: computed.jws,
    kid: computed.kid,
    created_at: deps.clock(),
  });
}

function setPhase(deps: AppDeps, ceremonyId: string, phase: string): Compilable {
  return deps.store.db
    .updateTable('ceremonies')
    .set({ phase, updated_at: deps.clock(), version: sql`version + 1` })
    .where('id', '=', ceremonyId);
}

/** SQL condition: nothing was logged in the award's chain after event `seq`. */
function nothingLoggedSince(deps: AppDeps, ceremonyId: string, seq: number) {
  return sql<boolean>`not exists ${deps.store.db
    .selectFrom('events')
    .select(sql`1`.as('one'))
    .where('chain', '=', ceremonyId)
    .where('seq', '>', seq)}`;
}

/**
 * Computes, signs and commits one version; a change logged meanwhile refuses the batch and the computation runs
 * again on the new state (a few times).
 */
async function publishVersion(
  deps: AppDeps,
  award: AwardRows,
  actor: string,
  step: {
    from: readonly string[];
    to: string;
    type: string;
    meta: (latest: ResultsRow | undefined) => Parameters<typeof computeResults>[2];
    extra?: Compilable[];
    payload?: Record<string, unknown>;
  },
) {
  const c = award.ceremony;
  for (let attempt = 1; ; attempt++) {
    if (!step.from.includes((await currentPhase(deps, c.id)) ?? ''))
      throw new ApiError('wrong-phase', `Only an award in ${step.from.join(' or ')} can move to ${step.to} here.`);
    const latest = await latestRow(deps, c.id);
    const meta = step.meta(latest);
    const computed = await computeResults(deps, award, meta);
    try {
      const event = await commitChange(deps.store, deps.clock, {
        chain: c.id,
        event: {
          actor,
          type: step.type,
          payload: {
            version: meta.version,
            hash: computed.hash,
            kid: computed.kid,
            ...(meta.supersedes ? { supersedes: meta.supersedes.hash } : {}),
            ...step.payload,
          },
        },
        precondition: sql<boolean>`(${ceremonyIs(deps.store.db, c.id, step.from)} and ${nothingLoggedSince(deps, c.id, computed.headSeq)})`,
        changes: [
          insertResults(deps, c.id, meta.version, computed),
          setPhase(deps, c.id, step.to),
          ...(step.extra ?? []),
        ],
        onViolation: (v) =>
          v.kind === 'unique' && v.table === 'results'
            ? new ApiError('conflict', 'Another organizer published this version meanwhile.')
            : undefined,
      });
      return { version: meta.version, hash: computed.hash, kid: computed.kid, event };
    } catch (err) {
      if (!(err instanceof ApiError) || err.code !== 'conflict' || attempt >= MAX_ATTEMPTS) throw err;
    }
  }
}

async function currentPhase(deps: AppDeps, ceremonyId: string) {
  return (await deps.store.db.selectFrom('ceremonies').select('phase').where('id', '=', ceremonyId).executeTakeFirst())
    ?.phase;
}

/**
 * Finalizes the award: judging ends, the results are computed once, signed, stored and logged, the lot secret is
 * revealed in the event, and the fraud-signal key is deleted with the signals it keyed.
 */
export async function finalizeResults(deps: AppDeps, award: AwardRows, actor: string) {
  const c = award.ceremony;
  return publishVersion(deps, award, actor, {
    from: ['judging'],
    to: 'finalized',
    type: 'results.finalized',
    meta: () => ({ version: 1, supersedes: null, reason: null }),
    payload: { lotSecret: await lotSecretHex(deps, award).catch(() => null), signalsKeyDestroyed: true },
    extra: [
      destroyKeyStatement(deps, c.id, 'signals'),
      deps.store.db.deleteFrom('ballot_signals').where('ceremony_id', '=', c.id),
    ],
  });
}

/** Publishes the finalized results: from now on everyone reads them. */
export async function announceResults(deps: AppDeps, award: AwardRows, actor: string) {
  const c = award.ceremony;
  const latest = await latestRow(deps, c.id);
  if (c.phase !== 'finalized' || !latest)
    throw new ApiError('wrong-phase', 'Only finalized results can be announced, once.');
  const event = await commitChange(deps.store, deps.clock, {
    chain: c.id,
    event: { actor, type: 'results.announced', payload: { version: latest.version, hash: latest.hash } },
    precondition: ceremonyIs(deps.store.db, c.id, ['finalized']),
    refused: () => new ApiError('wrong-phase', 'The results were announced meanwhile.'),
    changes: [setPhase(deps, c.id, 'announced')],
  });
  return { version: latest.version, hash: latest.hash, event };
}

/** A correction after the announcement: the results recomputed as they now stand, citing the previous version. */
export async function amendResults(deps: AppDeps, award: AwardRows, reason: string, actor: string) {
  return publishVersion(deps, award, actor, {
    from: PUBLISHED_PHASES,
    to: 'amended',
    type: 'results.amended',
    meta: (latest) => {
      if (!latest) throw new ApiError('wrong-phase', 'There are no announced results to correct.');
      return { version: latest.version + 1, supersedes: { version: latest.version, hash: latest.hash }, reason };
    },
    payload: { reason },
  });
}

async function latestRow(deps: AppDeps, ceremonyId: string): Promise<ResultsRow | undefined> {
  const row = await deps.store.db
    .selectFrom('results')
    .selectAll()
    .where('ceremony_id', '=', ceremonyId)
    .orderBy('version', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row ? { ...row, version: Number(row.version), created_at: Number(row.created_at) } : undefined;
}

/** Whether the results of the award can be read by the public now. */
export const resultsArePublic = (award: AwardRows) =>
  (PUBLISHED_PHASES as readonly string[]).includes(award.ceremony.phase);

/**
 * A version of the results (the latest without `version`), for organizers of the award from finalization and for
 * everyone from the announcement. The embargo answers like a missing document, so it tells nothing.
 */
export async function readResults(
  deps: AppDeps,
  award: AwardRows,
  opts: { organizer: boolean; version?: number },
): Promise<ResultsRow> {
  if (!opts.organizer && !resultsArePublic(award))
    throw new ApiError('not-found', 'The results of this award are not published yet.');
  let q = deps.store.db.selectFrom('results').selectAll().where('ceremony_id', '=', award.ceremony.id);
  q = opts.version ? q.where('version', '=', opts.version) : q.orderBy('version', 'desc').limit(1);
  const row = await q.executeTakeFirst();
  if (!row) throw new ApiError('not-found', 'No such results document.');
  return { ...row, version: Number(row.version), created_at: Number(row.created_at) };
}

/** Every version's summary (for the public only once announced). */
export async function resultsVersions(deps: AppDeps, award: AwardRows, opts: { organizer: boolean }) {
  if (!opts.organizer && !resultsArePublic(award))
    throw new ApiError('not-found', 'The results of this award are not published yet.');
  const rows = await deps.store.db
    .selectFrom('results')
    .selectAll()
    .where('ceremony_id', '=', award.ceremony.id)
    .orderBy('version')
    .execute();
  return rows.map((r) => {
    const doc = JSON.parse(r.document) as ResultsDocument;
    return {
      version: Number(r.version),
      hash: r.hash,
      kid: r.kid,
      at: doc.at,
      supersedes: doc.supersedes,
      reason: doc.reason,
    };
  });
}
