/**
 * What a nominee's withdrawal does to the vote (DESIGN.md, Ballots): their counted and flagged ballots are
 * voided with reason `nominee-withdrawn`, and while voting has not closed, those voters' marks are freed so they
 * can vote again in that category. The statements join the withdrawal's own batch (src/consent/service.ts).
 *
 * Which marks to free is known only through the sealed trackers: each mark of the category is unsealed with the
 * seal key and freed when it holds one of the voided ballots. After the close the seal key is gone, nothing links
 * a mark to a ballot any more, and only the ballots are voided (nobody can vote then anyway).
 */
import type { Compilable } from 'kysely';
import {
  countedTrackersOfNominee,
  deleteMarksStatements,
  sealedMarks,
  voidNomineeStatements,
} from '../abuse/repository';
import type { AwardRows } from '../ceremonies/model';
import type { AppDeps } from '../deps';
import { newId } from '../store/ids';
import { awardKey, unsealTracker } from './keys';

/** The statements that void a withdrawing nominee's ballots and free their voters' marks (see the module). */
export async function withdrawalBallotStatements(
  deps: AppDeps,
  award: AwardRows,
  nomineeId: string,
): Promise<Compilable[]> {
  const { db } = deps.store;
  const ceremonyId = award.ceremony.id;
  const nominee = award.nominees.find((n) => n.id === nomineeId);
  if (!nominee) return [];
  const statements = voidNomineeStatements(db, ceremonyId, nomineeId, newId('bc'));
  const sealKey = await awardKey(deps, ceremonyId, 'seal');
  if (!sealKey) return statements;
  const voided = new Set(await countedTrackersOfNominee(db, ceremonyId, nomineeId));
  if (voided.size === 0) return statements;
  const freed: string[] = [];
  for (const mark of await sealedMarks(db, ceremonyId, nominee.category_id)) {
    const binding = `${ceremonyId}\n${nominee.category_id}\n${mark.person_key}`;
    const tracker = await unsealTracker(sealKey, mark.sealed_tracker!, binding).catch(() => null);
    if (tracker !== null && voided.has(tracker)) freed.push(mark.sealed_tracker!);
    // Every voided ballot has at most one mark: stop once all are found.
    if (freed.length === voided.size) break;
  }
  return [...statements, ...deleteMarksStatements(db, ceremonyId, nominee.category_id, freed)];
}
