import type { Database, Statement } from 'better-sqlite3';

export type Query = { sql: string; parameters: readonly unknown[] };
export type Result = { changes: number; rows?: Record<string, unknown>[] };

export function openConnection(path: string): Database;
export function statementCache(sqlite: Database): (text: string) => Statement;
export function groupCommit(
  sqlite: Database,
  prepare: (text: string) => Statement,
): { add(queries: Query[]): Promise<Result[]> };
