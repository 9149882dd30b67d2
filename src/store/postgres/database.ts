import pg from 'pg';

export type PgPool = pg.Pool;
export type PgClient = pg.PoolClient;

const INT8_OID = 20;

/** BIGINT columns (epoch milliseconds, chunk ids, row ids) come back as numbers, never silently rounded. */
function parseInt8(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new RangeError(`a BIGINT value (${text}) is outside JavaScript's safe integer range`);
  return n;
}

const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary' ? parseInt8 : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
};

export interface PoolOptions {
  /** Most connections this pool opens (default 10). */
  readonly max?: number;
  /** Told when an idle connection fails (the pool drops it and opens a new one on demand). */
  readonly onIdleError?: (err: Error) => void;
}

/**
 * A connection pool on the PostgreSQL database at `url` (postgres://…). The type parsers are the
 * pool's own, so nothing else in the process is affected.
 */
export function createPostgresPool(url: string, options: PoolOptions = {}): PgPool {
  const pool = new pg.Pool({ connectionString: url, max: options.max ?? 10, types });
  pool.on('error', (err) => options.onIdleError?.(err));
  return pool;
}

/**
 * Runs `work` in one transaction on one connection: COMMIT when it resolves, ROLLBACK when it throws
 * (the error propagates). A connection whose ROLLBACK fails is discarded, not returned to the pool.
 */
export async function inTransaction<T>(pool: PgPool, work: (client: PgClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    try {
      await client.query('ROLLBACK');
    } catch (rollbackFailed) {
      broken = rollbackFailed instanceof Error ? rollbackFailed : new Error(String(rollbackFailed));
    }
    throw err;
  } finally {
    client.release(broken);
  }
}

/**
 * Advisory lock keys. The schema lock is a session lock on one bigint; the others are transaction
 * locks in the two-int space (class, object), which PostgreSQL keeps apart from the bigint space.
 */
export const LOCKS = {
  /** Held while migrations run: several instances starting at once migrate one after the other. */
  schema: 0x6761_7465_0001,
  /** Class of the transaction locks taken by the Store. */
  audit: 0x6761,
  budget: 0x6762,
  rateLimit: 0x6763,
} as const;
