/**
 * Reads Gatehouse's own tables for assertions, wherever the Store keeps them: the data dir's SQLite
 * file, or the PostgreSQL database the test Gatehouse runs on (the `postgres` test project). Portable
 * SQL only (both schemas name tables and columns alike). The embedded stand-ins' tables (the
 * authorization server's, the FGA engine's) are always in the SQLite file: read those from `gh.db`.
 */
import pg from 'pg';
import type { TestGatehouse } from './bootstrap.js';

export async function stateRows<T extends object>(gh: TestGatehouse, sql: string): Promise<T[]> {
  if (!gh.databaseUrl) return gh.db.prepare(sql).all() as T[];
  const client = new pg.Client({ connectionString: gh.databaseUrl });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

/** Rows in one of Gatehouse's tables. */
export async function stateCount(gh: TestGatehouse, table: 'demo_orders' | 'audit_log' | 'approvals'): Promise<number> {
  const [row] = await stateRows<{ n: number | string }>(gh, `SELECT COUNT(*) AS n FROM ${table}`);
  return Number(row!.n);
}
