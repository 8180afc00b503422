/**
 * Helpers of the event-coverage test: the mutating operations of the OpenAPI document, a snapshot of every table a
 * refused request must leave alone, the events appended since a moment, and which tables a call wrote.
 */
import type { Database } from '../../db/schema';
import { createAward, movePhase, requireAward } from '../../src/ceremonies/service';
import type { Phase } from '../../src/ceremonies/schemas';
import { type TestEnv, signIn, snapshot, testEnv } from '../helpers';
import { type AwardSpec, type Pipeline, pipelineOf, resultsAward } from './results';

const MUTATING = ['post', 'put', 'patch', 'delete'] as const;

/** Every mutating operation of the app's OpenAPI document, as `METHOD /path` (path parameters in braces). */
export async function mutatingOperations(env: TestEnv): Promise<string[]> {
  const res = await env.app.request('/openapi.json');
  if (res.status !== 200) throw new Error(`GET /openapi.json answered ${res.status}`);
  const doc = (await res.json()) as { paths: Record<string, Record<string, unknown>> };
  return Object.entries(doc.paths).flatMap(([path, ops]) =>
    MUTATING.filter((m) => m in ops).map((m) => `${m.toUpperCase()} ${path}`),
  );
}

/** Every table of db/schema.ts, listed because the schema is only a type; the check below keeps the list whole. */
export const TABLES = [
  'ceremonies',
  'tracks',
  'categories',
  'nominees',
  'institutions',
  'events',
  'disclosures',
  'organizers',
  'organizer_roles',
  'login_codes',
  'throttles',
  'spent_tokens',
  'outbox',
  'keys',
  'nominee_contacts',
  'nominations',
  'roll_entries',
  'roll_codes',
  'oidc_logins',
  'oidc_clients',
  'marks',
  'ballots',
  'ballot_changes',
  'checkpoints',
  'tree_nodes',
  'log_leaves',
  'ballot_signals',
  'ceremony_keys',
  'finalists',
  'jurors',
  'jury_assignments',
  'jury_conflicts',
  'jury_scores',
  'jury_rankings',
  'results',
  'reveals',
] as const satisfies readonly (keyof Database)[];
type Table = (typeof TABLES)[number];
/** Fails to compile when db/schema.ts gains a table that TABLES does not list. */
export const TABLES_COMPLETE: [Exclude<keyof Database, Table>] extends [never] ? true : never = true;

/**
 * Tables a refused request may still write: throttles and code attempts count refusals on purpose, and the outbox
 * moves its rows' delivery status in the background (which mails exist is compared instead).
 */
const MAY_CHANGE_ON_REFUSAL: readonly Table[] = ['throttles', 'login_codes', 'outbox'];

const sortRows = <T>(rows: T[]) => rows.sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));

/** The helpers' snapshot widened to every table (vote, jury, results, roll), and the mails queued. */
export async function stateSnapshot(env: TestEnv): Promise<Record<string, unknown[]>> {
  const { db } = env.store;
  const out: Record<string, unknown[]> = await snapshot(env);
  for (const t of TABLES)
    if (!(t in out) && !MAY_CHANGE_ON_REFUSAL.includes(t))
      out[t] = sortRows(await db.selectFrom(t).selectAll().execute());
  out.outbox = sortRows(await db.selectFrom('outbox').select(['id', 'kind', 'to_address', 'subject']).execute());
  return out;
}

/** Every row of every table, for telling which tables a call wrote (outbox delivery status left out). */
async function allRows(env: TestEnv): Promise<Record<Table, string>> {
  const { db } = env.store;
  const out = {} as Record<Table, string>;
  for (const t of TABLES)
    out[t] = JSON.stringify(
      t === 'outbox'
        ? sortRows(await db.selectFrom('outbox').select(['id', 'kind', 'to_address']).execute())
        : sortRows(await db.selectFrom(t).selectAll().execute()),
    );
  return out;
}

/** Runs `call` and returns its response with the tables whose rows it changed, sorted. */
export async function tablesWrittenBy(env: TestEnv, call: () => Response | Promise<Response>) {
  const before = await allRows(env);
  const res = await call();
  const after = await allRows(env);
  return { res, written: TABLES.filter((t) => before[t] !== after[t]).sort() };
}

/** The (chain, seq) of every event so far. */
export async function eventKeys(env: TestEnv): Promise<Set<string>> {
  const rows = await env.store.db.selectFrom('events').select(['chain', 'seq']).execute();
  return new Set(rows.map((r) => `${r.chain}#${r.seq}`));
}

/** The types of the events appended since `seen`, ordered by chain and seq. */
export async function appendedSince(env: TestEnv, seen: Set<string>): Promise<string[]> {
  const rows = await env.store.db
    .selectFrom('events')
    .select(['chain', 'seq', 'type'])
    .orderBy('chain')
    .orderBy('seq')
    .execute();
  return rows.filter((r) => !seen.has(`${r.chain}#${r.seq}`)).map((r) => r.type);
}

/** The phases an award passes by hand on its way to `phase`, in order. */
const MANUAL: readonly Phase[] = ['nominating', 'voting', 'judging'];

/**
 * An award of `spec` created in its own test environment and moved by hand to `phase`, with a signed-in organizer
 * of the award: the same shape as results.ts's pipeline, for the phases before voting too.
 */
export async function awardIn(
  phase: 'draft' | 'nominating' | 'voting' | 'judging',
  spec: AwardSpec,
  opts: { env?: Record<string, string>; pending?: string[] } = {},
): Promise<Pipeline> {
  const env = await testEnv({ env: opts.env });
  const slug = 'cov-award';
  const def = resultsAward(slug, spec);
  // Nominees awaiting moderation, as a public proposal would leave them; the first category holds them.
  for (const s of opts.pending ?? [])
    def.tracks[0]!.categories[0]!.nominees.push({ slug: s, name: { en: s.toUpperCase() }, status: 'pending' });
  const { id } = await createAward(env, def, 'cli');
  for (const to of MANUAL.slice(0, MANUAL.indexOf(phase as Phase) + 1))
    await movePhase(env, await requireAward(env, id), to, 'cli', 'hand');
  return pipelineOf(env, slug, id, await signIn(env, `org@${slug}.example.org`, id));
}
