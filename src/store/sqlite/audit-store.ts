import type { AuditChainHead, AuditStore, StoredAuditEntry, StoredCheckpoint } from '../ports/audit-store.js';
import type { SqliteDatabase } from './database.js';
import { toCheckpoint, toEntry, type CheckpointRow, type Row } from '../rows/audit-row.js';

/**
 * The audit log in the SQLite Store (tables audit_log, audit_head, audit_checkpoints, audit_anchor). An
 * append runs in an immediate transaction: SQLite's write lock serialises appenders across connections
 * and processes, so each links to the one before. Each method is one synchronous SQLite step behind
 * a Promise; `entries` reads a page per step, so no statement stays open while its reader awaits (an
 * open better-sqlite3 iterator would make every other statement on the connection fail as busy).
 */
/** Entries per read of `entries`. */
const PAGE = 500;

export function createSqliteAuditStore(db: SqliteDatabase): AuditStore {
  const last = db.prepare('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1');
  const insert = db.prepare('INSERT INTO audit_log (seq, at, event, data, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?)');
  const setHead = db.prepare('INSERT INTO audit_head (id, seq, hash) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash');
  const page = db.prepare('SELECT * FROM audit_log WHERE seq > ? AND at >= ? ORDER BY seq LIMIT ?');
  const head = db.prepare('SELECT seq, hash FROM audit_head WHERE id = 1');
  const recent = db.prepare('SELECT * FROM audit_log ORDER BY seq DESC LIMIT ?');
  const addCheckpoint = db.prepare('INSERT INTO audit_checkpoints (seq, hash, at, jws) VALUES (?, ?, ?, ?) ON CONFLICT (seq) DO NOTHING');
  const checkpoints = db.prepare('SELECT * FROM audit_checkpoints ORDER BY seq');
  const markVerified = db.prepare('UPDATE audit_checkpoints SET verified_at = ? WHERE seq = ?');
  const anchor = db.prepare('SELECT seq, hash, at, jws FROM audit_anchor WHERE id = 1');
  const setAnchor = db.prepare('INSERT INTO audit_anchor (id, seq, hash, at, jws) VALUES (1, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, at = excluded.at, jws = excluded.jws');
  const dropEntries = db.prepare('DELETE FROM audit_log WHERE seq <= ?');
  const dropCheckpoints = db.prepare('DELETE FROM audit_checkpoints WHERE seq < ?');

  const appendTx = db.transaction((next: (last: AuditChainHead | undefined) => StoredAuditEntry): StoredAuditEntry => {
    const entry = next(last.get() as AuditChainHead | undefined);
    insert.run(entry.seq, entry.at, entry.event, entry.dataJson, entry.prevHash, entry.hash);
    setHead.run(entry.seq, entry.hash);
    return entry;
  });

  const pruneTx = db.transaction((cut: StoredCheckpoint): number => {
    const current = anchor.get() as CheckpointRow | undefined;
    if (current && cut.seq < current.seq) throw new RangeError(`the audit log is already pruned to entry ${current.seq}; an anchor at ${cut.seq} would move it back`);
    const h = head.get() as AuditChainHead | undefined;
    if (!h || cut.seq > h.seq) throw new RangeError(`an anchor at entry ${cut.seq} is past the head`);
    const deleted = dropEntries.run(cut.seq).changes;
    dropCheckpoints.run(cut.seq);
    setAnchor.run(cut.seq, cut.hash, cut.at, cut.jws);
    return deleted;
  });

  return {
    append: async (next) => appendTx.immediate(next),
    async *entries(r = {}) {
      let after = (r.fromSeq ?? 0) - 1;
      for (;;) {
        const rows = page.all(after, r.since ?? '', PAGE) as Row[];
        for (const row of rows) yield toEntry(row);
        if (rows.length < PAGE) return;
        after = rows[rows.length - 1]!.seq;
      }
    },
    head: async () => head.get() as AuditChainHead | undefined,
    recent: async (limit) => (recent.all(limit) as Row[]).map(toEntry),
    addCheckpoint: async (c) => void addCheckpoint.run(c.seq, c.hash, c.at, c.jws),
    checkpoints: async () => (checkpoints.all() as CheckpointRow[]).map(toCheckpoint),
    markVerified: async (seq, at) => void markVerified.run(at, seq),
    anchor: async () => {
      const row = anchor.get() as CheckpointRow | undefined;
      return row ? toCheckpoint(row) : undefined;
    },
    prune: async (cut) => pruneTx.immediate(cut),
  };
}
