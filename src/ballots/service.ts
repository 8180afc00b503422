/**
 * Casting a ballot. One person, one ballot per category: the mark's primary key says so, inside the same atomic
 * batch as the ballot, so no request can make two. The ballot holds the tracker (SHA-256 of the receipt), the
 * nominee and nothing about the person or the time. The receipt comes from the form's nonce, so a double tap or a
 * lost response gets the same receipt back (200), never a second ballot.
 */
import type { Compilable } from 'kysely';
import { receiptFromKey, trackerOf } from '../audit/receipts';
import { type AwardRows, rulesOf } from '../ceremonies/model';
import { isListed } from '../ceremonies/model';
import type { AppDeps } from '../deps';
import { ApiError } from '../errors';
import type { VoterSession } from '../identity/sessions';
import { newId } from '../store/ids';
import { constraintViolation } from '../store/store';
import { sealTracker, signalHash, unsealTracker, voteKeys } from './keys';
import { receiptMail } from './mails';
import {
  findBallot,
  findMark,
  firstBallot,
  insertSignals,
  insertBallotGuarded,
  markHolds,
  nomineeListed,
  resealMark,
  sqlAnd,
  supersedeStatements,
  votingOpen,
} from './repository';

export interface BallotChoice {
  /** Category id or slug. */
  category: string;
  /** Nominee id or slug (within the category). */
  nominee: string;
  /** The form's nonce: the same nonce and choice again returns the same receipt. */
  nonce: string;
}

export interface NetworkSignals {
  /** The client's network block (src/http/client.ts networkOf). */
  network: string;
  agent: string;
}

export interface CastResult {
  receipt: string;
  tracker: string;
  category: string;
  nominee: string;
  /** 'new': a first ballot; 'repeat': the same nonce and choice again; 'superseded': replaced an earlier one. */
  outcome: 'new' | 'repeat' | 'superseded';
}

function choiceIn(award: AwardRows, choice: BallotChoice) {
  const category = award.categories.find((c) => c.id === choice.category || c.slug === choice.category);
  if (!category) throw new ApiError('not-found', `No category "${choice.category}" in this award.`);
  const nominee = award.nominees.find(
    (n) => n.category_id === category.id && (n.id === choice.nominee || n.slug === choice.nominee),
  );
  if (!nominee || !isListed(nominee))
    throw new ApiError('not-found', `No nominee "${choice.nominee}" on the ballot of this category.`);
  return { category, nominee };
}

const notOpen = () => new ApiError('wrong-phase', 'Voting is not open for this award now; no ballot was recorded.');

export async function castBallot(
  deps: AppDeps,
  award: AwardRows,
  voter: VoterSession,
  choice: BallotChoice,
  signals: NetworkSignals,
  locale: string,
): Promise<CastResult> {
  const c = award.ceremony;
  if (c.phase !== 'voting') throw notOpen();
  const { category, nominee } = choiceIn(award, choice);
  const rules = rulesOf(award);
  const { receipt: receiptKey, seal: sealKey, signals: signalsKey } = await voteKeys(deps, c.id, award.head);
  const receipt = await receiptFromKey(receiptKey, voter.personKey, category.id, choice.nonce);
  const tracker = await trackerOf(receipt);
  const binding = `${c.id}\n${category.id}\n${voter.personKey}`;
  const sealed = await sealTracker(sealKey, tracker, binding);
  const { db } = deps.store;
  const result: CastResult = { receipt, tracker, category: category.id, nominee: nominee.id, outcome: 'new' };

  const extras: Compilable[] = [
    insertSignals(deps.store, {
      tracker,
      ceremonyId: c.id,
      network: await signalHash(signalsKey, signals.network),
      agent: await signalHash(signalsKey, signals.agent),
    }),
  ];
  if (voter.email) {
    const text = receiptMail(locale, award, category, nominee, receipt);
    extras.push(deps.mailer.queue({ kind: 'receipt', to: voter.email, ceremonyId: c.id, ...text }));
  }
  const ballot = { tracker, ceremonyId: c.id, categoryId: category.id, nomineeId: nominee.id };

  try {
    // The mark goes first: of two ballots of one person in one category, the second fails on its primary key.
    await deps.store.batch([
      firstBallot.mark(deps.store, { ceremonyId: c.id, categoryId: category.id, personKey: voter.personKey, sealed }),
      firstBallot.ballot(deps.store, ballot),
      ...extras,
    ]);
    if (voter.email) deps.mailer.kick();
    return result;
  } catch (err) {
    const violation = constraintViolation(err);
    if (!violation) throw err;
    if (violation.kind === 'not-null') throw notOpen();
    if (violation.kind !== 'unique') throw err;
  }

  // This person has a mark in this category already.
  const existing = await findBallot(db, tracker);
  if (existing) {
    // The same nonce again: the same receipt if it is the same choice (a double tap or a lost response).
    if (existing.nominee_id === nominee.id && existing.status !== 'superseded') return { ...result, outcome: 'repeat' };
    throw new ApiError('already-voted', 'This form was already used for another choice; reload the ballot to vote.');
  }
  if (rules.voteChange !== 'last-counts')
    throw new ApiError(
      'already-voted',
      'You have voted in this category already; under this award’s rules the first ballot stands.',
    );

  // last-counts: the new ballot supersedes the one the mark holds.
  const mark = await findMark(db, c.id, category.id, voter.personKey);
  if (!mark?.sealed_tracker) throw new ApiError('conflict', 'Your earlier ballot cannot be found; try again.');
  const previous = await unsealTracker(sealKey, mark.sealed_tracker, binding);
  const now = deps.store.now();
  const open = votingOpen(db, deps.store.dialect, c.id, now);
  const listed = nomineeListed(db, deps.store.dialect, category.id, nominee.id);
  try {
    // Reseal first, then insert the ballot guarded by "the mark now holds ours": of two concurrent changes by one
    // person, the one whose reseal found nothing to update fails its guard and rolls back whole.
    await deps.store.batch([
      resealMark(db, c.id, category.id, voter.personKey, mark.sealed_tracker, sealed),
      insertBallotGuarded(db, ballot, sqlAnd(open, listed, markHolds(db, c.id, category.id, voter.personKey, sealed))),
      ...supersedeStatements(db, c.id, previous, newId('bc')),
      ...extras,
    ]);
  } catch (err) {
    const violation = constraintViolation(err);
    if (violation?.kind === 'not-null')
      throw new ApiError('conflict', 'Your ballot changed meanwhile or voting closed; reload and try again.');
    if (violation?.kind === 'unique') {
      const again = await findBallot(db, tracker);
      if (again && again.nominee_id === nominee.id) return { ...result, outcome: 'repeat' };
      throw new ApiError('already-voted', 'This form was already used for another choice; reload the ballot to vote.');
    }
    throw err;
  }
  if (voter.email) deps.mailer.kick();
  return { ...result, outcome: 'superseded' };
}

/** Categories the person has voted in (their own marks; nothing about what they voted). */
export async function votedCategories(deps: AppDeps, ceremonyId: string, personKey: string): Promise<string[]> {
  const rows = await deps.store.db
    .selectFrom('marks')
    .select('category_id')
    .where('ceremony_id', '=', ceremonyId)
    .where('person_key', '=', personKey)
    .execute();
  return rows.map((r) => r.category_id);
}
