import type { AuditChainHead, AuditRange, AuditStore } from '../ports/audit-store.js';
import { inTransaction, LOCKS, type PgClient, type PgPool } from './database.js';
import { toCheckpoint, toEntry, type CheckpointRow, type Row } from '../rows/audit-row.js';

const PAGE = 500;

/** Every writer of the chain (append, prune) holds this transaction lock: one at a time, on every instance. */
const lockChain = (c: PgClient) => c.query('SELECT pg_advisory_xact_lock($1, 0)', [LOCKS.audit]);

/**
 * The audit log in PostgreSQL (tables audit_log, audit_head, audit_checkpoints, audit_anchor). An
 * append holds a transaction-scoped advisory lock from reading the newest entry until its entry and
 * the head are committed, so appenders on every connection and every instance form one chain; `next`
 * runs inside that lock (it stays synchronous). A prune takes the same lock. `entries` reads a page per
 * pooled query, so a reader that stops early holds no connection.
 */
export function createPostgresAuditStore(pool: PgPool): AuditStore {
  return {
    append: (next) =>
      inTransaction(pool, async (c) => {
        await lockChain(c);
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
    async *entries(range: AuditRange = {}) {
      let after = (range.fromSeq ?? 0) - 1;
      for (;;) {
        const { rows } = await pool.query<Row>('SELECT * FROM audit_log WHERE seq > $1 AND at >= $2 ORDER BY seq LIMIT $3', [after, range.since ?? '', PAGE]);
        for (const r of rows) yield toEntry(r);
        if (rows.length < PAGE) return;
        after = rows[rows.length - 1]!.seq;
      }
    },
    head: async () => (await pool.query<AuditChainHead>('SELECT seq, hash FROM audit_head WHERE id = 1')).rows[0],
    recent: async (limit) => (await pool.query<Row>('SELECT * FROM audit_log ORDER BY seq DESC LIMIT $1', [limit])).rows.map(toEntry),
    addCheckpoint: async (cp) =>
      void (await pool.query('INSERT INTO audit_checkpoints (seq, hash, at, jws) VALUES ($1, $2, $3, $4) ON CONFLICT (seq) DO NOTHING', [cp.seq, cp.hash, cp.at, cp.jws])),
    checkpoints: async () => (await pool.query<CheckpointRow>('SELECT * FROM audit_checkpoints ORDER BY seq')).rows.map(toCheckpoint),
    markVerified: async (seq, at) => void (await pool.query('UPDATE audit_checkpoints SET verified_at = $1 WHERE seq = $2', [at, seq])),
    anchor: async () => {
      const row = (await pool.query<CheckpointRow>('SELECT seq, hash, at, jws FROM audit_anchor WHERE id = 1')).rows[0];
      return row ? toCheckpoint(row) : undefined;
    },
    prune: (cut) =>
      inTransaction(pool, async (c) => {
        await lockChain(c);
        const current = (await c.query<CheckpointRow>('SELECT seq FROM audit_anchor WHERE id = 1')).rows[0];
        if (current && cut.seq < current.seq) throw new RangeError(`the audit log is already pruned to entry ${current.seq}; an anchor at ${cut.seq} would move it back`);
        const head = (await c.query<AuditChainHead>('SELECT seq, hash FROM audit_head WHERE id = 1')).rows[0];
        if (!head || cut.seq > head.seq) throw new RangeError(`an anchor at entry ${cut.seq} is past the head`);
        const deleted = (await c.query('DELETE FROM audit_log WHERE seq <= $1', [cut.seq])).rowCount ?? 0;
        await c.query('DELETE FROM audit_checkpoints WHERE seq < $1', [cut.seq]);
        await c.query(
          `INSERT INTO audit_anchor (id, seq, hash, at, jws) VALUES (1, $1, $2, $3, $4)
           ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, at = excluded.at, jws = excluded.jws`,
          [cut.seq, cut.hash, cut.at, cut.jws],
        );
        return deleted;
      }),
  };
}
