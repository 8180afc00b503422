/**
 * Finalists chosen by organizers: the picks of `finalists: organizer` awards, and wildcards (with a reason) in
 * either mode. Both live in the `finalists` table in the order of tally rule 2: picks (or the public top K)
 * first, wildcards after them, never counting toward K. A wildcard added before the vote closes is fed to the
 * close (src/ballots/close.ts), which writes the whole list; one added later is appended after the others.
 */
import { sql } from 'kysely';
import { chainHead, commitChange, disclose } from '../audit/log';
import { finalistRows, insertWildcard, noFinalistEventSince, replacePicksStatements } from '../abuse/repository';
import { type AwardRows, isListed, rulesOf } from '../ceremonies/model';
import { ceremonyIs } from '../ceremonies/repository';
import type { AppDeps } from '../deps';
import { ApiError } from '../errors';
import type { FinalistReason } from '../tally/types';

/** Organizers pick finalists while the jury judges (after the vote closed), before finalization. */
export const PICK_PHASES = ['judging'] as const;
/** Wildcards may be named from the moment the nominee list is frozen until finalization. */
export const WILDCARD_PHASES = ['voting', 'judging'] as const;

function categoryOf(award: AwardRows, category: string) {
  const found = award.categories.find((c) => c.id === category || c.slug === category);
  if (!found) throw new ApiError('not-found', `No category "${category}" in this award.`);
  return found;
}

function listedNominee(award: AwardRows, categoryId: string, nominee: string, path: string) {
  const found = award.nominees.find(
    (n) => n.category_id === categoryId && (n.id === nominee || n.slug === nominee) && isListed(n),
  );
  if (!found)
    throw new ApiError('not-found', `No nominee "${nominee}" on the ballot of this category.`, [
      { path, message: 'not a listed nominee of this category' },
    ]);
  return found;
}

export interface FinalistEntry {
  nominee: string;
  slug: string;
  position: number;
  why: FinalistReason;
  reason: string | null;
}

/** The finalists of a category as stored (empty before the close unless organizers named some). */
export async function categoryFinalists(deps: AppDeps, award: AwardRows, category: string): Promise<FinalistEntry[]> {
  const cat = categoryOf(award, category);
  const rows = await finalistRows(deps.store.db, award.ceremony.id, cat.id);
  const slugOf = new Map(award.nominees.map((n) => [n.id, n.slug]));
  return rows.map((r) => ({
    nominee: r.nominee_id,
    slug: slugOf.get(r.nominee_id) ?? r.nominee_id,
    position: Number(r.position),
    why: r.why as FinalistReason,
    reason: r.reason,
  }));
}

/**
 * Sets the organizer-picked finalists of a category (`finalists: organizer` only, while judging), replacing
 * earlier picks; a picked nominee who was a wildcard becomes a pick. Guarded by the finalist events read: a
 * concurrent pick, wildcard or close makes this a conflict.
 */
export async function pickFinalists(
  deps: AppDeps,
  award: AwardRows,
  category: string,
  nominees: string[],
  actor: string,
) {
  const c = award.ceremony;
  const rules = rulesOf(award);
  if (rules.finalists.mode !== 'organizer')
    throw new ApiError('conflict', 'The finalists of this award are chosen by the public vote; add wildcards instead.');
  if (!(PICK_PHASES as readonly string[]).includes(c.phase))
    throw new ApiError('wrong-phase', 'Organizers pick finalists after the vote closes and before finalization.');
  const cat = categoryOf(award, category);
  const picks = nominees.map((n, i) => listedNominee(award, cat.id, n, `body.nominees.${i}`).id);
  const duplicate = picks.findIndex((id, i) => picks.indexOf(id) !== i);
  if (duplicate >= 0)
    throw new ApiError('validation-failed', 'A nominee is picked twice.', [
      { path: `body.nominees.${duplicate}`, message: 'picked twice' },
    ]);
  const { db } = deps.store;
  const head = await chainHead(db, c.id);
  const rows = await finalistRows(db, c.id, cat.id);
  const wildcardsAfter = rows
    .filter((r) => r.why === 'wildcard' && !picks.includes(r.nominee_id))
    .map((r) => r.nominee_id);
  const becamePicks = rows.filter((r) => r.why === 'wildcard' && picks.includes(r.nominee_id)).map((r) => r.nominee_id);
  const event = await commitChange(deps.store, deps.clock, {
    chain: c.id,
    event: {
      actor,
      type: 'finalists.picked',
      payload: {
        category: cat.id,
        nominees: picks,
        ...(becamePicks.length ? { wildcardsPicked: becamePicks } : {}),
      },
    },
    precondition: sql<boolean>`(${ceremonyIs(db, c.id, PICK_PHASES)} and ${noFinalistEventSince(db, c.id, head?.seq ?? 0)})`,
    refused: () =>
      new ApiError(
        'conflict',
        'The award or its finalists changed meanwhile; nothing was changed. Reload and try again.',
      ),
    changes: replacePicksStatements(db, c.id, cat.id, picks, wildcardsAfter),
  });
  return { event, finalists: await categoryFinalists(deps, award, cat.id) };
}

/**
 * Adds a wildcard finalist with a reason (either mode, while voting or judging). It goes after every finalist
 * of the category; the reason is stored with it and only a commitment to it enters the log.
 */
export async function addWildcard(
  deps: AppDeps,
  award: AwardRows,
  category: string,
  input: { nominee: string; reason: string },
  actor: string,
) {
  const c = award.ceremony;
  if (!(WILDCARD_PHASES as readonly string[]).includes(c.phase))
    throw new ApiError('wrong-phase', 'Wildcards can be named from the opening of the vote until finalization.');
  const cat = categoryOf(award, category);
  const nominee = listedNominee(award, cat.id, input.nominee, 'body.nominee');
  const { db } = deps.store;
  const reason = input.reason.trim();
  const { commitment, statement } = await disclose(deps.store, c.id, reason);
  const event = await commitChange(deps.store, deps.clock, {
    chain: c.id,
    event: {
      actor,
      type: 'finalists.wildcard',
      payload: { category: cat.id, nominee: nominee.id, reasonCommitment: commitment },
    },
    precondition: ceremonyIs(db, c.id, WILDCARD_PHASES),
    refused: () => new ApiError('wrong-phase', 'The award moved on meanwhile; wildcards are closed.'),
    changes: [insertWildcard(db, { ceremonyId: c.id, categoryId: cat.id, nomineeId: nominee.id, reason }), statement],
    onViolation: (v) =>
      v.kind === 'unique'
        ? new ApiError('already-exists', 'This nominee is a finalist of the category already.', [
            { path: 'body.nominee', message: 'a finalist already' },
          ])
        : undefined,
  });
  return { event, finalists: await categoryFinalists(deps, award, cat.id) };
}
