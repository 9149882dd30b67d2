import { LOCKS, type PgPool } from './database.js';
import { postgresMigrations, type PostgresMigration } from './migrations/index.js';

/**
 * Brings the schema of the PostgreSQL Store up to date. The whole run holds a session advisory lock,
 * so instances starting at once migrate one after the other: the first applies what is missing, the
 * others find it recorded. Each migration and its record commit together. Returns the ids applied now.
 */
export async function migratePostgres(pool: PgPool, migrations: readonly PostgresMigration[] = postgresMigrations): Promise<string[]> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('SELECT pg_advisory_lock($1::bigint)', [LOCKS.schema]);
    try {
      await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (id TEXT PRIMARY KEY, applied_at TEXT NOT NULL)');
      const applied = new Set((await client.query<{ id: string }>('SELECT id FROM schema_migrations')).rows.map((r) => r.id));
      const ran: string[] = [];
      for (const m of migrations) {
        if (applied.has(m.id)) continue;
        await client.query('BEGIN');
        try {
          await client.query(m.up);
          await client.query('INSERT INTO schema_migrations (id, applied_at) VALUES ($1, $2)', [m.id, new Date().toISOString()]);
          await client.query('COMMIT');
        } catch (err) {
          await client.query('ROLLBACK');
          throw err;
        }
        ran.push(m.id);
      }
      return ran;
    } finally {
      await client.query('SELECT pg_advisory_unlock($1::bigint)', [LOCKS.schema]);
    }
  } catch (err) {
    broken = err instanceof Error ? err : new Error(String(err));
    throw err;
  } finally {
    // a connection that failed mid-way may still hold the lock or a transaction: close it
    client.release(broken);
  }
}
