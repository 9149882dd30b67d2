import type { Async } from '../ports/async.js';
import type { AuditChainHead, AuditStore, StoredAuditEntry } from '../ports/audit-store.js';
import { inTransaction, LOCKS, type PgPool } from './database.js';

interface Row {
  seq: number;
  at: string;
  event: string;
  data: string;
  prev_hash: string;
  hash: string;
}

const toEntry = (r: Row): StoredAuditEntry => ({ seq: r.seq, at: r.at, event: r.event, dataJson: r.data, prevHash: r.prev_hash, hash: r.hash });

/** The AuditStore over PostgreSQL: every method answers asynchronously, and entries stream. */
export interface PostgresAuditStore extends Omit<Async<AuditStore>, 'entries'> {
  /** Every entry in ascending `seq`, read page by page (the whole log is never held in memory). */
  entries(): AsyncIterable<StoredAuditEntry>;
}

const PAGE = 500;

/**
 * The audit log in PostgreSQL (tables audit_log and audit_head). An append holds a transaction-scoped
 * advisory lock from reading the newest entry until its entry and the head are committed, so appenders
 * on every connection and every instance form one chain; `next` runs inside that lock.
 */
export function createPostgresAuditStore(pool: PgPool): PostgresAuditStore {
  return {
    append: (next) =>
      inTransaction(pool, async (c) => {
        await c.query('SELECT pg_advisory_xact_lock($1, 0)', [LOCKS.audit]);
        const last = (await c.query<AuditChainHead>('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1')).rows[0];
        const entry = next(last);
        await c.query('INSERT INTO audit_log (seq, at, event, data, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6)', [
          entry.seq,
          entry.at,
          entry.event,
          entry.dataJson,
          entry.prevHash,
          entry.hash,
        ]);
        await c.query('INSERT INTO audit_head (id, seq, hash) VALUES (1, $1, $2) ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash', [
          entry.seq,
          entry.hash,
        ]);
        return entry;
      }),
    async *entries() {
      let after = Number.MIN_SAFE_INTEGER;
      for (;;) {
        const { rows } = await pool.query<Row>('SELECT * FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2', [after, PAGE]);
        for (const r of rows) yield toEntry(r);
        if (rows.length < PAGE) return;
        after = rows[rows.length - 1]!.seq;
      }
    },
    head: async () => (await pool.query<AuditChainHead>('SELECT seq, hash FROM audit_head WHERE id = 1')).rows[0],
    recent: async (limit) => (await pool.query<Row>('SELECT * FROM audit_log ORDER BY seq DESC LIMIT $1', [limit])).rows.map(toEntry),
  };
}
