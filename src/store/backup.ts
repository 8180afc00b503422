/**
 * Backup and restore of the embedded SQLite database (`laurel backup`, `laurel restore`).
 *
 * A backup is SQLite's online backup API copying every page in one step, that is under one read transaction: the
 * copy is one consistent snapshot while the server goes on writing (WAL lets readers and the writer work side by
 * side). Copying in small steps would not do: SQLite starts a backup over whenever another connection writes
 * between two steps, so under a steady load of ballots it might never end.
 *
 * A restore copies the backup beside the database, checks the copy (SQLite's integrity and foreign-key checks,
 * then every event chain verifies), and only then puts it in place with a rename, after deleting the old
 * database's -wal and -shm files: a write-ahead log left beside the restored file would be replayed onto it.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { Database } from '../../db/schema';
import { verifyChain } from '../audit/chain';
import { listEvents } from '../audit/log';
import { ApiError } from '../errors';

/** The database file when DATABASE_URL is unset (as src/store/node.ts opens it). */
const DEFAULT_PATH = 'data/laurel.sqlite';
/** Pages per backup step: all of them, so that the copy is one snapshot and never starts over. */
const ALL_PAGES = 0x7fffffff;
/** Files SQLite keeps beside a database while it is open or after a crash. */
const COMPANIONS = ['-wal', '-shm', '-journal'];

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** The SQLite file that DATABASE_URL names (`file:PATH`, or unset for the default). */
export function sqlitePath(databaseUrl: string | undefined): string {
  const path = !databaseUrl ? DEFAULT_PATH : databaseUrl.replace(/^file:/, '');
  if (path === ':memory:')
    throw new ApiError('bad-request', 'An in-memory database has nothing to back up or restore.');
  return path;
}

/**
 * Copies the database `source` (through SQLite, so its write-ahead log counts) to the new file `target`, and turns
 * the copy's journal mode from WAL to DELETE: the copy is then one self-contained file that opens read-only
 * without -wal and -shm files beside it (the server turns WAL on again when it opens the database).
 */
async function copyDatabase(source: string, target: string): Promise<number> {
  if (existsSync(target)) throw new ApiError('already-exists', `${target} exists already; a backup never overwrites.`);
  try {
    const db = new BetterSqlite3(source, { readonly: true, fileMustExist: true });
    let pages: number;
    try {
      pages = (await db.backup(target, { progress: () => ALL_PAGES })).totalPages;
    } finally {
      db.close();
    }
    const copy = new BetterSqlite3(target, { fileMustExist: true });
    try {
      copy.pragma('journal_mode = DELETE');
    } finally {
      copy.close();
    }
    return pages;
  } catch (err) {
    // The target is this copy's own (it did not exist): nothing half-written stays behind.
    for (const file of [target, ...COMPANIONS.map((suffix) => target + suffix)]) rmSync(file, { force: true });
    throw new ApiError('validation-failed', `${source} cannot be copied to ${target}: ${messageOf(err)}`);
  }
}

/** Online backup of the SQLite database of `databaseUrl` to the new file `target`; returns the pages copied. */
export async function backupSqlite(databaseUrl: string | undefined, target: string): Promise<number> {
  return copyDatabase(sqlitePath(databaseUrl), target);
}

export interface DatabaseCheck {
  /** What is wrong with the file, one line each; empty when it may be used. */
  problems: string[];
  /** Event chains verified (the site's and one per award). */
  chains: number;
  events: number;
}

/**
 * Checks a Laurel SQLite file without changing it: `PRAGMA integrity_check`, `PRAGMA foreign_key_check`, and every
 * event chain in it (seq without gaps, each prev and hash recomputed).
 */
export async function checkSqliteFile(file: string): Promise<DatabaseCheck> {
  const check: DatabaseCheck = { problems: [], chains: 0, events: 0 };
  let sqlite: BetterSqlite3.Database;
  try {
    sqlite = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
  } catch (err) {
    check.problems.push(`cannot open ${file}: ${messageOf(err)}`);
    return check;
  }
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  try {
    let integrity: string[];
    try {
      integrity = (sqlite.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check);
    } catch (err) {
      // Damage SQLite cannot step over stops the check itself (SQLITE_CORRUPT, SQLITE_NOTADB).
      integrity = [messageOf(err)];
    }
    if (integrity.join() !== 'ok') {
      check.problems.push(...integrity.map((line) => `integrity: ${line}`));
      // Reading on in a damaged file would only add noise.
      return check;
    }
    const tables = sqlite
      .prepare(`select name from sqlite_master where type = 'table' and name in ('events', 'laurel_migrations')`)
      .pluck()
      .all();
    if (tables.length !== 2) {
      check.problems.push('not a Laurel database: it has no event log or no migrations table');
      return check;
    }
    const orphans = sqlite.pragma('foreign_key_check') as { table: string; rowid: number | null; parent: string }[];
    for (const o of orphans)
      check.problems.push(`foreign key: a row of ${o.table} (rowid ${o.rowid ?? '?'}) names a missing ${o.parent}`);
    const chains = sqlite.prepare('select distinct chain from events order by chain').pluck().all() as string[];
    for (const chain of chains) {
      const events = await readChain(db, chain);
      const result = await verifyChain(events);
      for (const p of result.problems) check.problems.push(`chain ${chain}, event ${p.seq}: ${p.problem}`);
      check.chains++;
      check.events += events.length;
    }
  } catch (err) {
    check.problems.push(`cannot read ${file}: ${messageOf(err)}`);
  } finally {
    await db.destroy();
  }
  return check;
}

/** Every event of one chain, in seq order, read a page at a time. */
async function readChain(db: Kysely<Database>, chain: string) {
  const events = [];
  for (let after = 0; ;) {
    const page = await listEvents(db, chain, { after, limit: 1000 });
    events.push(...page);
    if (page.length < 1000) return events;
    after = page[page.length - 1]!.seq;
  }
}

export interface RestoreReport {
  /** The database file now holding the backup. */
  target: string;
  pages: number;
  chains: number;
  events: number;
}

/** Makes what was written to `path` (a file or a directory) durable. */
function fsyncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Puts the backup `backup` in place of the SQLite database of `databaseUrl`: refuses to replace an existing
 * database unless `force`; copies the backup beside the target, checks the copy (see checkSqliteFile) and renames
 * it over the target, after deleting the target's -wal, -shm and -journal files. Laurel must not be running on
 * the target meanwhile (that cannot be checked from here). Nothing is changed when a check fails.
 */
export async function restoreSqlite(
  databaseUrl: string | undefined,
  backup: string,
  { force = false }: { force?: boolean } = {},
): Promise<RestoreReport> {
  const target = sqlitePath(databaseUrl);
  if (!existsSync(backup)) throw new ApiError('not-found', `There is no backup file ${backup}.`);
  if (resolve(backup) === resolve(target))
    throw new ApiError('bad-request', `${backup} is the database itself; restore from a backup copy.`);
  if (existsSync(target) && !force)
    throw new ApiError(
      'already-exists',
      `${target} exists. Stop Laurel, then run laurel restore again with --force to replace it with the backup.`,
    );
  // A restore onto a new machine makes the data directory.
  mkdirSync(dirname(target), { recursive: true });
  const temp = join(dirname(target), `.${basename(target)}.restore-${randomBytes(6).toString('hex')}`);
  try {
    const pages = await copyDatabase(backup, temp);
    const check = await checkSqliteFile(temp);
    if (check.problems.length)
      throw new ApiError(
        'validation-failed',
        `${backup} fails its checks; nothing was restored:\n${check.problems.map((p) => `  ${p}`).join('\n')}`,
      );
    // The copy is on disk before it takes the database's name, and no old log outlives the rename.
    fsyncPath(temp);
    for (const suffix of COMPANIONS) rmSync(target + suffix, { force: true });
    renameSync(temp, target);
    fsyncPath(dirname(target));
    return { target, pages, chains: check.chains, events: check.events };
  } finally {
    for (const file of [temp, ...COMPANIONS.map((suffix) => temp + suffix)]) rmSync(file, { force: true });
  }
}
