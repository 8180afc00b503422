/** Opens the store named by DATABASE_URL on Node and loads migrations from db/migrations. */
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Migration, migrate } from './migrate';
import { openPostgres } from './postgres';
import { openSqlite } from './sqlite';
import type { Store } from './store';

const MIGRATIONS_DIR = fileURLToPath(new URL('../../db/migrations/', import.meta.url));

export function loadMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .map((name) => ({ name: name.replace(/\.sql$/, ''), sql: readFileSync(dir + name, 'utf8') }));
}

/** `undefined` or `file:PATH` opens SQLite (default ./data/laurel.sqlite); `postgres://…` opens PostgreSQL. */
export function openStore(databaseUrl: string | undefined, clock?: () => number): Store {
  if (!databaseUrl) return openSqlite({ path: 'data/laurel.sqlite', clock });
  if (/^postgres(ql)?:\/\//.test(databaseUrl)) return openPostgres({ url: databaseUrl, clock });
  if (databaseUrl.startsWith('file:')) return openSqlite({ path: databaseUrl.slice('file:'.length), clock });
  if (databaseUrl === ':memory:') return openSqlite({ path: ':memory:', clock });
  throw new Error(`DATABASE_URL must be file:PATH or postgres://…, not "${databaseUrl}"`);
}

export async function openMigratedStore(databaseUrl: string | undefined, clock?: () => number): Promise<Store> {
  const store = openStore(databaseUrl, clock);
  await migrate(store, loadMigrations());
  return store;
}
