/** The STEM4ALL example seeded on a fresh database, so a newcomer sees a real award at once. */
import type { AppDeps } from '../deps';
import { countCeremonies, loadAwardRows } from './repository';
import { AwardDefinition, type AwardDefinitionInput, type Schedule } from './schemas';
import { createAward, movePhase } from './service';

/**
 * Moves every instant of a schedule by the same amount so that nominating opens at `now`: the example keeps
 * its real windows and their lengths, and a newcomer can walk through it from today.
 */
export function rebaseSchedule(schedule: Schedule, now: number): Schedule {
  const first = schedule.nominating?.opens ?? schedule.voting?.opens;
  if (!first) return schedule;
  const minute = 60_000;
  const shift = Math.ceil((now - Date.parse(first)) / minute) * minute;
  const move = (iso?: string) => (iso ? new Date(Date.parse(iso) + shift).toISOString() : undefined);
  const out: Schedule = {};
  for (const phase of ['nominating', 'voting', 'judging'] as const) {
    const w = schedule[phase];
    if (!w) continue;
    out[phase] = {};
    if (w.opens) out[phase]!.opens = move(w.opens);
    if (w.closes) out[phase]!.closes = move(w.closes);
  }
  return out;
}

/** Imports the example and opens nominations when the database holds no award yet; returns its slug or null. */
export async function seedExample(deps: AppDeps, example: AwardDefinitionInput): Promise<string | null> {
  if ((await countCeremonies(deps.store.db)) > 0) return null;
  const def = AwardDefinition.parse(example);
  def.schedule = rebaseSchedule(def.schedule, deps.clock() + 60_000);
  const { id } = await createAward(deps, def, 'system');
  const award = await loadAwardRows(deps.store.db, id);
  if (award) await movePhase(deps, award, 'nominating', 'system', 'hand');
  return def.slug;
}
