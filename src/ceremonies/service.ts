/**
 * Award operations: create from a definition, replace a draft's definition, edit rules and schedule, add and
 * edit nominees, move phases by hand or by schedule. Each is one atomic batch with its event.
 */
import { bytesToHex, canonicalJson, sha256Hex } from '../audit/canonical';
import { finishClose } from '../ballots/close';
import { awardKeyStatements } from '../ballots/keys';
import { type Appended, commitChange, committedChanges } from '../audit/log';
import type { AppDeps } from '../deps';
import { ApiError } from '../errors';
import { randomBytes } from '../keys/wrap';
import {
  type AwardRows,
  type NomineeContent,
  definitionToRows,
  isListed,
  instantsToColumns,
  nomineeRow,
  rowInstants,
  scheduleToInstants,
} from './model';
import {
  MANUAL_TARGETS,
  checkTransition,
  instantsAfterMove,
  isFrozen,
  rank,
  scheduleProblems,
  scheduledPhase,
} from './phases';
import {
  ceremonyIs,
  deleteStructureStatements,
  insertAwardStatements,
  insertStructureStatements,
  listCeremonies,
  loadAwardRows,
} from './repository';
import { type AwardDefinition, PHASES, type Phase, Rules, type Schedule } from './schemas';

const EDITABLE: readonly Phase[] = ['draft', 'nominating'];

export async function definitionHash(def: AwardDefinition): Promise<string> {
  return sha256Hex(canonicalJson(def));
}

export async function requireAward(deps: AppDeps, slugOrId: string): Promise<AwardRows> {
  const rows = await loadAwardRows(deps.store.db, slugOrId);
  if (!rows) throw new ApiError('not-found', `No award "${slugOrId}".`);
  return rows;
}

/** How long the ballot route may reuse an award read while its vote is open. */
export const OPEN_VOTE_READ_MS = 50;
type OpenVoteRead = { at: number; changes: number; award: Promise<AwardRows> };
const openVotes = new WeakMap<object, Map<string, OpenVoteRead>>();

/**
 * The award for a ballot: while its vote is open, a read at most OPEN_VOTE_READ_MS old (of real time) is reused,
 * unless this process has committed a change since (src/audit/log.ts committedChanges). What another server may
 * change meanwhile (the phase and window, a nominee's listing, the keys) is checked again by the ballot's own
 * batch, in SQL, at its commit (src/ballots/repository.ts votingOpen, nomineeListed): a reused read can make a
 * ballot fail with a less precise message for that long, never count one it should not. The award read was the
 * last database read of a ballot: 60 µs of the server's thread each (docs/performance.md). The rows are shared:
 * the ballot route only reads them.
 */
export async function openVoteAward(deps: AppDeps, slugOrId: string): Promise<AwardRows> {
  const cache = openVotes.get(deps.store) ?? new Map<string, OpenVoteRead>();
  openVotes.set(deps.store, cache);
  const now = performance.now();
  const changes = committedChanges(deps.store);
  const known = cache.get(slugOrId);
  if (known && now - known.at < OPEN_VOTE_READ_MS && known.changes === changes) return known.award;
  const award = requireAward(deps, slugOrId);
  if (cache.size >= 1000) cache.clear();
  cache.set(slugOrId, { at: now, changes, award });
  // Only an open vote is reused; anything else (and a failed read) is read again next time.
  award.then(
    (a) => a.ceremony.phase !== 'voting' && cache.delete(slugOrId),
    () => cache.delete(slugOrId),
  );
  return award;
}

export async function createAward(
  deps: AppDeps,
  def: AwardDefinition,
  actor: string,
): Promise<{ id: string; event: Appended }> {
  const pepperWrapped = await deps.wrapper.wrap('pepper', randomBytes(32));
  const rows = definitionToRows(def, { pepperWrapped }, deps.clock());
  const event = await commitChange(deps.store, deps.clock, {
    chain: rows.ceremony.id,
    event: {
      actor,
      type: 'ceremony.created',
      payload: { ceremony: rows.ceremony.id, slug: def.slug, definitionHash: await definitionHash(def) },
    },
    changes: insertAwardStatements(deps.store, rows),
    onViolation: (v) =>
      v.kind === 'unique' && (v.columns.includes('slug') || v.table === 'ceremonies')
        ? new ApiError('already-exists', `An award with slug "${def.slug}" exists already.`, [
            { path: 'body.slug', message: 'taken' },
          ])
        : undefined,
  });
  return { id: rows.ceremony.id, event };
}

/** Replaces tracks, categories, nominees, institutions, rules and schedule of a draft award (same slug). */
export async function replaceDefinition(deps: AppDeps, award: AwardRows, def: AwardDefinition, actor: string) {
  const c = award.ceremony;
  if (def.slug !== c.slug)
    throw new ApiError('validation-failed', 'The slug of an award cannot change.', [
      { path: 'body.slug', message: `must be "${c.slug}"` },
    ]);
  if (c.phase !== 'draft')
    throw new ApiError(
      'wrong-phase',
      'Only a draft award can be replaced whole; edit rules, schedule and nominees instead.',
    );
  const fresh = definitionToRows(def, { pepperWrapped: c.pepper_wrapped }, deps.clock());
  const ceremonyId = c.id;
  const reId = <T extends { ceremony_id: string }>(rows: T[]) => rows.map((r) => ({ ...r, ceremony_id: ceremonyId }));
  const { db } = deps.store;
  const { id: _id, created_at: _created, pepper_wrapped: _pepper, slug: _slug, ...columns } = fresh.ceremony;
  return commitChange(deps.store, deps.clock, {
    chain: ceremonyId,
    event: { actor, type: 'ceremony.replaced', payload: { definitionHash: await definitionHash(def) } },
    precondition: ceremonyIs(db, ceremonyId, ['draft'], c.version),
    refused: () => new ApiError('conflict', 'The award changed meanwhile; reload and try again.'),
    changes: [
      ...deleteStructureStatements(deps.store, ceremonyId),
      db
        .updateTable('ceremonies')
        .set({ ...columns, version: c.version + 1 })
        .where('id', '=', ceremonyId),
      ...insertStructureStatements(deps.store, {
        tracks: reId(fresh.tracks),
        categories: reId(fresh.categories),
        nominees: reId(fresh.nominees),
        institutions: reId(fresh.institutions),
      }),
    ],
  });
}

export async function updateRules(deps: AppDeps, award: AwardRows, rules: Rules, actor: string) {
  const c = award.ceremony;
  if (isFrozen(c.phase as Phase)) throw frozenError();
  const { db } = deps.store;
  const rulesHash = await sha256Hex(canonicalJson(rules));
  return commitChange(deps.store, deps.clock, {
    chain: c.id,
    event: { actor, type: 'rules.updated', payload: { rulesHash } },
    precondition: ceremonyIs(db, c.id, EDITABLE),
    refused: frozenError,
    changes: [
      db
        .updateTable('ceremonies')
        .set({ rules: JSON.stringify(rules), version: c.version + 1, updated_at: deps.clock() })
        .where('id', '=', c.id),
    ],
  });
}

export async function updateSchedule(deps: AppDeps, award: AwardRows, schedule: Schedule, actor: string) {
  const c = award.ceremony;
  const now = await deps.store.readNow();
  const previous = rowInstants(c);
  const next = scheduleToInstants(schedule);
  const problems = scheduleProblems(next, now, previous);
  if (problems.length)
    throw new ApiError(
      'schedule-invalid',
      problems.join('; '),
      problems.map((m) => ({ path: `body.${m.split(' ')[0]}`, message: m })),
    );
  const { db } = deps.store;
  return commitChange(deps.store, deps.clock, {
    chain: c.id,
    event: { actor, type: 'schedule.updated', payload: { schedule: instantsToColumnsPayload(next) } },
    // Guarded by the version read: a concurrent phase move (which rewrites instants) makes this edit retry by hand.
    precondition: ceremonyIs(db, c.id, PHASES, c.version),
    refused: () => new ApiError('conflict', 'The award changed meanwhile; reload and try again.'),
    changes: [
      db
        .updateTable('ceremonies')
        .set({ ...instantsToColumns(next), version: c.version + 1, updated_at: deps.clock() })
        .where('id', '=', c.id),
    ],
  });
}

function instantsToColumnsPayload(s: ReturnType<typeof scheduleToInstants>) {
  // Event payloads hold integers and null only: instants stay epoch milliseconds.
  return { nominating: s.nominating, voting: s.voting, judging: s.judging };
}

const frozenError = () =>
  new ApiError('frozen', 'The rules and the nominee list are frozen since voting opened; they cannot change now.');

/**
 * Moves an award forward to `to`. Entering voting (or anything past it) for the first time freezes the rules
 * and the nominee list: their hashes and the commitment to the lot secret go into the same event.
 */
export async function movePhase(
  deps: AppDeps,
  award: AwardRows,
  to: Phase,
  actor: string,
  by: 'hand' | 'schedule',
): Promise<Appended> {
  const c = award.ceremony;
  const from = c.phase as Phase;
  const refusal = checkTransition(from, to);
  if (refusal) throw new ApiError(refusal, `The award is in "${from}"; it cannot move back or stay with "${to}".`);
  if (by === 'hand' && !MANUAL_TARGETS.includes(to))
    throw new ApiError('wrong-phase', `An award moves to "${to}" through its results, not by hand.`);
  const now = by === 'hand' ? await deps.store.readNow() : deps.clock();
  const instants = instantsAfterMove(from, to, rowInstants(c), now);
  const freeze = !c.rules_hash && isFrozen(to) ? await freezeMaterial(deps, award) : undefined;
  // The vote's own keys (receipts, sealed marks, fraud signals) come into being with the frozen rules.
  const voteKeys = freeze ? await awardKeyStatements(deps, c.id) : [];
  const { db } = deps.store;
  const moved = await commitChange(deps.store, deps.clock, {
    chain: c.id,
    event: {
      actor,
      type: 'phase.changed',
      payload: {
        from,
        to,
        by,
        schedule: instantsToColumnsPayload(instants),
        ...(freeze
          ? {
              frozen: {
                rulesHash: freeze.rulesHash,
                nomineesHash: freeze.nomineesHash,
                lotCommitment: freeze.lotCommitment,
              },
            }
          : {}),
      },
    },
    precondition: ceremonyIs(db, c.id, [from], c.version),
    refused: () =>
      new ApiError(
        'conflict',
        'The award changed meanwhile (another organizer or the schedule); reload and try again.',
      ),
    changes: [
      db
        .updateTable('ceremonies')
        .set({
          phase: to,
          ...instantsToColumns(instants),
          ...(freeze
            ? {
                rules_hash: freeze.rulesHash,
                nominees_hash: freeze.nomineesHash,
                lot_commitment: freeze.lotCommitment,
                lot_secret_wrapped: freeze.lotSecretWrapped,
              }
            : {}),
          version: c.version + 1,
          updated_at: deps.clock(),
        })
        .where('id', '=', c.id),
      ...voteKeys,
    ],
  });
  // Leaving the vote: the closing checkpoint and the finalists. Should this fail, the scheduler finishes it.
  if (from === 'voting' || (isFrozen(to) && rank(from) < rank('voting'))) await finishClose(deps, c.id);
  return moved;
}

/**
 * What is frozen when voting opens: the rules hash, the nominee-list hash and SHA-256 of a fresh lot secret S
 * (revealed at finalization). The nominee list is hashed as [{id, category, slug, contentHash}] of listed
 * nominees sorted by id, so a withdrawn nominee's personal data can be erased later without breaking the hash.
 */
export async function freezeMaterial(deps: AppDeps, award: AwardRows) {
  const rulesHash = await sha256Hex(canonicalJson(JSON.parse(award.ceremony.rules)));
  const nominees = await Promise.all(
    award.nominees
      .filter(isListed)
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .map(async (n) => ({
        id: n.id,
        category: n.category_id,
        slug: n.slug,
        contentHash: await sha256Hex(canonicalJson(JSON.parse(n.content))),
      })),
  );
  const nomineesHash = await sha256Hex(canonicalJson(nominees));
  const lotSecret = randomBytes(32);
  const lotCommitment = await sha256Hex(lotSecret);
  const lotSecretWrapped = await deps.wrapper.wrap('lot-secret', lotSecret);
  return { rulesHash, nomineesHash, lotCommitment, lotSecretWrapped, lotSecretHex: bytesToHex(lotSecret) };
}

/** Moves every award whose schedule says so; run by a timer on Node and a Cron Trigger on Workers. */
export async function runSchedule(deps: AppDeps): Promise<{ slug: string; from: string; to: string }[]> {
  const now = await deps.store.readNow();
  const moved: { slug: string; from: string; to: string }[] = [];
  for (const c of await listCeremonies(deps.store.db, { includeDrafts: false })) {
    const target = scheduledPhase(c.phase as Phase, rowInstants(c), now);
    if (!target) continue;
    const award = await loadAwardRows(deps.store.db, c.id);
    if (!award) continue;
    try {
      await movePhase(deps, award, target, 'scheduler', 'schedule');
      moved.push({ slug: c.slug, from: c.phase, to: target });
    } catch (err) {
      // Another server's scheduler or an organizer got there first: the next run sees the new state.
      if (!(err instanceof ApiError && err.code === 'conflict')) throw err;
    }
  }
  return moved;
}

export async function addNominee(
  deps: AppDeps,
  award: AwardRows,
  categorySlug: string,
  input: { slug: string; status?: 'accepted' | 'pending' } & NomineeContent,
  actor: string,
) {
  const c = award.ceremony;
  if (isFrozen(c.phase as Phase)) throw frozenError();
  const category = award.categories.find((cat) => cat.slug === categorySlug || cat.id === categorySlug);
  if (!category) throw new ApiError('not-found', `No category "${categorySlug}" in this award.`);
  const { slug, status = 'accepted', ...content } = input;
  const position = award.nominees.filter((n) => n.category_id === category.id).length;
  const row = nomineeRow(c.id, category.id, position, slug, status, content, deps.clock());
  const { db } = deps.store;
  const event = await commitChange(deps.store, deps.clock, {
    chain: c.id,
    event: {
      actor,
      type: 'nominee.added',
      payload: {
        nominee: row.id,
        category: category.id,
        slug,
        status,
        contentHash: await sha256Hex(canonicalJson(content)),
      },
    },
    precondition: ceremonyIs(db, c.id, EDITABLE),
    refused: frozenError,
    changes: [db.insertInto('nominees').values(row)],
    onViolation: (v) =>
      v.kind === 'unique'
        ? new ApiError('already-exists', `A nominee "${slug}" exists already in this category.`, [
            { path: 'body.slug', message: 'taken' },
          ])
        : undefined,
  });
  return { nominee: row, event };
}

export async function updateNominee(
  deps: AppDeps,
  award: AwardRows,
  nomineeId: string,
  patch: Partial<NomineeContent>,
  actor: string,
) {
  const c = award.ceremony;
  if (isFrozen(c.phase as Phase)) throw frozenError();
  const nominee = award.nominees.find((n) => n.id === nomineeId || n.slug === nomineeId);
  if (!nominee) throw new ApiError('not-found', `No nominee "${nomineeId}" in this award.`);
  const content = { ...(JSON.parse(nominee.content) as NomineeContent), ...patch };
  const { db } = deps.store;
  return commitChange(deps.store, deps.clock, {
    chain: c.id,
    event: {
      actor,
      type: 'nominee.updated',
      payload: { nominee: nominee.id, contentHash: await sha256Hex(canonicalJson(content)) },
    },
    precondition: ceremonyIs(db, c.id, EDITABLE),
    refused: frozenError,
    changes: [
      db
        .updateTable('nominees')
        .set({ content: JSON.stringify(content), updated_at: deps.clock() })
        .where('id', '=', nominee.id),
    ],
  });
}
