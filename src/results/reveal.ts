/**
 * The ceremony: after finalization the presenter reveals the results one step at a time, in the award's category
 * order: a category's finalists, then its winner with every figure. The public results page shows exactly what is
 * revealed; the step after the last reveal announces the results, which makes the whole signed document public.
 * Each reveal is one batch: the `reveals` row (its UNIQUE step refuses a double press) and a `results.revealed`
 * event.
 */
import { sql } from 'kysely';
import { commitChange } from '../audit/log';
import type { AwardRows } from '../ceremonies/model';
import { ceremonyIs } from '../ceremonies/repository';
import type { AppDeps } from '../deps';
import { ApiError } from '../errors';
import type { DecimalRow, ResultsDocument } from './document';
import { PUBLISHED_PHASES, announceResults, readResults } from './service';

export type Stage = 'finalists' | 'winner';

export interface CeremonyStep {
  category: string;
  stage: Stage;
}

/** The steps of the ceremony (pure): each category with finalists, in the document's order, finalists then winner. */
export function ceremonySteps(doc: ResultsDocument): CeremonyStep[] {
  return doc.result.categories
    .filter((cat) => cat.finalists.length > 0)
    .flatMap((cat) => [
      { category: cat.id, stage: 'finalists' as const },
      { category: cat.id, stage: 'winner' as const },
    ]);
}

export async function revealsOf(deps: AppDeps, ceremonyId: string): Promise<(CeremonyStep & { step: number })[]> {
  const rows = await deps.store.db
    .selectFrom('reveals')
    .select(['category_id', 'stage', 'step'])
    .where('ceremony_id', '=', ceremonyId)
    .orderBy('step')
    .execute();
  return rows.map((r) => ({ category: r.category_id, stage: r.stage as Stage, step: Number(r.step) }));
}

/**
 * Reveals the next step; when everything is revealed, the next press announces the results. A second press of the
 * same step (two presenters, a double click) is refused with 409 and changes nothing.
 */
export async function revealNext(deps: AppDeps, award: AwardRows, actor: string, expectedStep?: number) {
  const c = award.ceremony;
  if (c.phase !== 'finalized')
    throw new ApiError(
      'wrong-phase',
      (PUBLISHED_PHASES as readonly string[]).includes(c.phase)
        ? 'The results are announced: everything is revealed.'
        : 'Finalize the results before the ceremony.',
    );
  const doc = JSON.parse((await readResults(deps, award, { organizer: true })).document) as ResultsDocument;
  const steps = ceremonySteps(doc);
  const done = await revealsOf(deps, c.id);
  // A screen drawn before another press names the step it shows: pressing it must not reveal one more.
  if (expectedStep !== undefined && expectedStep !== done.length + 1)
    throw new ApiError('conflict', `Step ${expectedStep} is not the next one (that is ${done.length + 1}); reload.`);
  const next = steps[done.length];
  if (!next) return { revealed: null, announced: await announceResults(deps, award, actor) };
  const step = done.length + 1;
  const event = await commitChange(deps.store, deps.clock, {
    chain: c.id,
    event: { actor, type: 'results.revealed', payload: { category: next.category, stage: next.stage, step } },
    precondition: ceremonyIs(deps.store.db, c.id, ['finalized']),
    refused: () => new ApiError('wrong-phase', 'The results were announced meanwhile.'),
    changes: [
      deps.store.db
        .insertInto('reveals')
        .values({ ceremony_id: c.id, category_id: next.category, stage: next.stage, step }),
    ],
    onViolation: (v) =>
      v.kind === 'unique' ? new ApiError('conflict', 'This step was revealed meanwhile; reload.') : undefined,
  });
  return { revealed: { ...next, step, of: steps.length }, announced: null, event };
}

export interface PublicCategory {
  category: string;
  /** hidden: nothing yet; finalists: who they are; winner: the whole category with its figures. */
  stage: 'hidden' | Stage;
  finalists: { nominee: string; why: string; reason: string | null }[];
  /** With stage `winner`: the finalists in order with every figure, and the winners. */
  rows: DecimalRow[];
  winners: string[];
}

export interface PublicResults {
  announced: boolean;
  /** How many steps are revealed, and of how many (a change of `revealed` is what live pages wait for). */
  revealed: number;
  of: number;
  /** Only once announced: the document's version, hash and signature key. */
  document: { version: number; hash: string; kid: string } | null;
  categories: PublicCategory[];
}

/**
 * What anyone may see of the results now: nothing before finalization; the revealed steps during the ceremony;
 * everything (with the signed document's hash) once announced. Organizers see the same through this view; they
 * read the whole document through the results API.
 */
export async function publicResults(deps: AppDeps, award: AwardRows): Promise<PublicResults | null> {
  const c = award.ceremony;
  const announced = (PUBLISHED_PHASES as readonly string[]).includes(c.phase);
  if (!announced && c.phase !== 'finalized') return null;
  const row = await readResults(deps, award, { organizer: true });
  const doc = JSON.parse(row.document) as ResultsDocument;
  const steps = ceremonySteps(doc);
  const reveals = announced ? steps : await revealsOf(deps, c.id);
  const stageOf = (category: string): PublicCategory['stage'] =>
    // Once announced everything is public, categories without finalists (and so without steps) included.
    announced
      ? 'winner'
      : reveals.some((r) => r.category === category && r.stage === 'winner')
        ? 'winner'
        : reveals.some((r) => r.category === category && r.stage === 'finalists')
          ? 'finalists'
          : 'hidden';
  return {
    announced,
    revealed: announced ? steps.length : reveals.length,
    of: steps.length,
    document: announced ? { version: row.version, hash: row.hash, kid: row.kid } : null,
    categories: doc.result.categories.map((cat) => {
      const stage = stageOf(cat.id);
      const stored = doc.finalists.categories.find((f) => f.category === cat.id)?.finalists ?? [];
      return {
        category: cat.id,
        stage,
        finalists: stage === 'hidden' ? [] : stored,
        rows: stage === 'winner' ? (doc.decimals.find((d) => d.category === cat.id)?.finalists ?? []) : [],
        winners: stage === 'winner' ? cat.winners : [],
      };
    }),
  };
}

/** A cheap fingerprint of what the public sees (for live pages to poll): phase, version and reveal count. */
export async function revealMark(deps: AppDeps, ceremonyId: string): Promise<string> {
  const row = await deps.store.db
    .selectFrom('ceremonies')
    .select((eb) => [
      'phase',
      eb
        .selectFrom('reveals')
        .select(sql<number>`count(*)`.as('n'))
        .where('ceremony_id', '=', ceremonyId)
        .as('reveals'),
      eb
        .selectFrom('results')
        .select(sql<number>`max(version)`.as('v'))
        .where('ceremony_id', '=', ceremonyId)
        .as('version'),
    ])
    .where('id', '=', ceremonyId)
    .executeTakeFirst();
  return row ? `${row.phase}:${Number(row.version ?? 0)}:${Number(row.reveals ?? 0)}` : 'none';
}
