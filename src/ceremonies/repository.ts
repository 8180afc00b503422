/** Every query of awards, tracks, categories, nominees and institutions: Kysely only. */
import { type Compilable, type Kysely, sql } from 'kysely';
import type { CeremonyRow, Database, NewNominee } from '../../db/schema';
import { prepared } from '../store/prepared';
import type { Store } from '../store/store';
import type { AwardRows } from './model';

export { chunkedInsert } from '../store/chunks';
import { chunkedInsert } from '../store/chunks';

// Prepared once per database (src/store/prepared.ts): every request of an award reads its row first.
const ceremonyBySlugOrId = prepared((db: Kysely<Database>, v: { slugOrId: string }) =>
  db
    .selectFrom('ceremonies')
    .selectAll()
    .where((eb) => eb.or([eb('slug', '=', v.slugOrId), eb('id', '=', v.slugOrId)])),
);

/** The ceremony's columns in table order; the three JSON texts are most of a row's bytes. */
const CEREMONY_COLUMNS = [
  'id',
  'slug',
  'phase',
  'time_zone',
  'locales',
  'content',
  'rules',
  'rules_hash',
  'nominees_hash',
  'lot_commitment',
  'lot_secret_wrapped',
  'pepper_wrapped',
  'nominating_opens',
  'nominating_closes',
  'voting_opens',
  'voting_closes',
  'judging_opens',
  'judging_closes',
  'version',
  'created_at',
  'updated_at',
] as const satisfies readonly (keyof CeremonyRow)[];
type TextColumn = 'locales' | 'content' | 'rules';
const TEXT_COLUMNS: readonly TextColumn[] = ['locales', 'content', 'rules'];
const STATE_COLUMNS = CEREMONY_COLUMNS.filter(
  (c): c is Exclude<typeof c, TextColumn> => !TEXT_COLUMNS.includes(c as TextColumn),
);

/** The row without its texts, and the head of its chain. */
const ceremonyStateWithHead = prepared((db: Kysely<Database>, v: { slugOrId: string }) =>
  db
    .selectFrom('ceremonies')
    .select(STATE_COLUMNS)
    .select((eb) =>
      eb
        .selectFrom('events')
        .select((e) => e.fn.max('seq').as('head'))
        .whereRef('events.chain', '=', 'ceremonies.id')
        .as('head'),
    )
    .where((eb) => eb.or([eb('slug', '=', v.slugOrId), eb('id', '=', v.slugOrId)])),
);

const ceremonyTexts = prepared((db: Kysely<Database>, v: { id: string }) =>
  db
    .selectFrom('ceremonies')
    .select([...TEXT_COLUMNS, 'version', 'updated_at'])
    .where('id', '=', v.id),
);

type Texts = Pick<CeremonyRow, TextColumn | 'version' | 'updated_at'>;

/**
 * The texts (content, rules, locales) read recently, per database, keyed by award id, and used while the row's
 * version and updated_at are the ones they were read with: Laurel changes them only by a change that moves the
 * version (a rules edit, a replaced draft). Reading them was most of the cost of reading an award, on every ballot
 * (docs/performance.md). Everything else in the row is read on every request.
 */
const texts = new WeakMap<object, Map<string, Texts>>();

async function ceremonyWithTexts(
  db: Kysely<Database>,
  state: Omit<CeremonyRow, TextColumn>,
): Promise<CeremonyRow | undefined> {
  const cache = texts.get(db) ?? new Map<string, Texts>();
  texts.set(db, cache);
  let known = cache.get(state.id);
  if (!known || known.version !== state.version || known.updated_at !== state.updated_at) {
    const { rows } = await db.executeQuery<Texts>(ceremonyTexts(db, { id: state.id }));
    known = rows[0];
    // Changed between the two reads: the caller reads the whole row instead.
    if (!known || known.version !== state.version || known.updated_at !== state.updated_at) return undefined;
    if (cache.size >= 100) cache.clear();
    cache.set(state.id, known);
  }
  // In the table's column order, as a whole row is read.
  const row: Record<string, unknown> = {};
  for (const c of CEREMONY_COLUMNS) row[c] = c in known ? known[c as keyof Texts] : state[c as keyof typeof state];
  return row as unknown as CeremonyRow;
}

const ceremonyIdBySlugOrId = prepared((db: Kysely<Database>, v: { slugOrId: string }) =>
  db
    .selectFrom('ceremonies')
    .select('id')
    .where((eb) => eb.or([eb('slug', '=', v.slugOrId), eb('id', '=', v.slugOrId)])),
);

/** Only the award's id: its row carries the whole content, and reading that is most of the cost of a read. */
export async function findCeremonyId(db: Kysely<Database>, slugOrId: string): Promise<string | undefined> {
  const { rows } = await db.executeQuery<{ id: string }>(ceremonyIdBySlugOrId(db, { slugOrId }));
  return rows[0]?.id;
}

export async function findCeremony(db: Kysely<Database>, slugOrId: string): Promise<CeremonyRow | undefined> {
  const { rows } = await db.executeQuery<CeremonyRow>(ceremonyBySlugOrId(db, { slugOrId }));
  return rows[0];
}

export async function listCeremonies(db: Kysely<Database>, opts: { includeDrafts: boolean; ids?: string[] }) {
  let q = db.selectFrom('ceremonies').selectAll().orderBy('created_at', 'desc');
  if (!opts.includeDrafts) q = q.where('phase', '!=', 'draft');
  if (opts.ids) q = opts.ids.length ? q.where('id', 'in', opts.ids) : q.where(sql<boolean>`1 = 0`);
  return q.execute();
}

export async function countCeremonies(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom('ceremonies')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

type Structure = Omit<AwardRows, 'ceremony'>;

/**
 * Structures (tracks, categories, nominees, institutions) read recently, per database, keyed by award id and the
 * seq of its chain head. Every change to an award appends an event in the same batch (docs/audit.md §3.4; proved
 * route by route by test/event-coverage.test.ts), so an unchanged head means unchanged rows: the ballot path, which
 * reads the award on every request, then costs one query instead of five. The ceremony row itself (phase, window)
 * is read fresh, together with the head, but for its texts (above).
 */
const structures = new WeakMap<object, Map<string, { head: number; rows: Structure }>>();

export async function loadAwardRows(db: Kysely<Database>, slugOrId: string): Promise<AwardRows | undefined> {
  const {
    rows: [found],
  } = await db.executeQuery<Omit<CeremonyRow, TextColumn> & { head: number | string | null }>(
    ceremonyStateWithHead(db, { slugOrId }),
  );
  if (!found) return undefined;
  const { head, ...state } = found;
  const ceremony = (await ceremonyWithTexts(db, state)) ?? (await findCeremony(db, state.id));
  if (!ceremony) return undefined;
  const id = ceremony.id;
  const cache = structures.get(db) ?? new Map<string, { head: number; rows: Structure }>();
  structures.set(db, cache);
  let hit = cache.get(id);
  if (!hit || hit.head !== Number(head ?? 0)) {
    const [tracks, categories, nominees, institutions] = await Promise.all([
      db.selectFrom('tracks').selectAll().where('ceremony_id', '=', id).orderBy('position').execute(),
      db.selectFrom('categories').selectAll().where('ceremony_id', '=', id).orderBy('position').execute(),
      db
        .selectFrom('nominees')
        .selectAll()
        .where('ceremony_id', '=', id)
        .orderBy('category_id')
        .orderBy('position')
        .orderBy('slug')
        .execute(),
      db.selectFrom('institutions').selectAll().where('ceremony_id', '=', id).orderBy('position').execute(),
    ]);
    hit = { head: Number(head ?? 0), rows: { tracks, categories, nominees, institutions } };
    if (cache.size >= 100) cache.clear();
    cache.set(id, hit);
  }
  // Copies: callers may change the rows they get, never the cached ones.
  const copy = <T extends object>(rows: T[]) => rows.map((r) => ({ ...r }));
  const r = hit.rows;
  return {
    ceremony,
    head: Number(head ?? 0),
    tracks: copy(r.tracks),
    categories: copy(r.categories),
    nominees: copy(r.nominees),
    institutions: copy(r.institutions),
  };
}

type StructureRows = Omit<AwardRows, 'ceremony' | 'nominees'> & { nominees: NewNominee[] };

export function insertAwardStatements(store: Store, rows: StructureRows & { ceremony: Record<string, unknown> }) {
  return [store.db.insertInto('ceremonies').values(rows.ceremony as never), ...insertStructureStatements(store, rows)];
}

/** The tracks, categories, nominees and institutions of an award (whose row exists or is inserted before). */
export function insertStructureStatements(store: Store, rows: StructureRows) {
  const { db } = store;
  return [
    ...chunkedInsert(db, 'tracks', rows.tracks as never),
    ...chunkedInsert(db, 'categories', rows.categories as never),
    ...chunkedInsert(db, 'nominees', rows.nominees as never),
    ...chunkedInsert(db, 'institutions', rows.institutions as never),
  ];
}

/** Deletes the structure (not the award row) of a draft, so that a new definition can replace it. */
export function deleteStructureStatements(store: Store, ceremonyId: string): Compilable[] {
  const { db } = store;
  return [
    db.deleteFrom('nominees').where('ceremony_id', '=', ceremonyId),
    db.deleteFrom('categories').where('ceremony_id', '=', ceremonyId),
    db.deleteFrom('tracks').where('ceremony_id', '=', ceremonyId),
    db.deleteFrom('institutions').where('ceremony_id', '=', ceremonyId),
  ];
}

/** SQL condition: the award is in one of these phases (and, with a version, unchanged since it was read). */
export function ceremonyIs(db: Kysely<Database>, ceremonyId: string, phases: readonly string[], version?: number) {
  let q = db
    .selectFrom('ceremonies')
    .select(sql`1`.as('one'))
    .where('id', '=', ceremonyId)
    .where('phase', 'in', phases);
  if (version !== undefined) q = q.where('version', '=', version);
  return sql<boolean>`exists ${q}`;
}
