/** Online backup of the SQLite database (better-sqlite3's backup API: consistent while the server writes). */
import BetterSqlite3 from 'better-sqlite3';

export async function backupSqlite(databaseUrl: string | undefined, target: string): Promise<number> {
  const path = !databaseUrl ? 'data/laurel.sqlite' : databaseUrl.replace(/^file:/, '');
  const db = new BetterSqlite3(path, { readonly: true, fileMustExist: true });
  try {
    const { totalPages } = await db.backup(target);
    return totalPages;
  } finally {
    db.close();
  }
}
