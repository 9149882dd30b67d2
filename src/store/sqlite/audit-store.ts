import type { AuditChainHead, AuditStore, StoredAuditEntry } from '../ports/audit-store.js';
import type { SqliteDatabase } from './database.js';

interface Row {
  seq: number;
  at: string;
  event: string;
  data: string;
  prev_hash: string;
  hash: string;
}

const toEntry = (r: Row): StoredAuditEntry => ({ seq: r.seq, at: r.at, event: r.event, dataJson: r.data, prevHash: r.prev_hash, hash: r.hash });

/**
 * The audit log in the SQLite Store (tables audit_log and audit_head). An append runs in an immediate
 * transaction: SQLite's write lock serializes appenders across connections, so each links to the one before.
 */
export function createSqliteAuditStore(db: SqliteDatabase): AuditStore {
  const last = db.prepare('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1');
  const insert = db.prepare('INSERT INTO audit_log (seq, at, event, data, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?)');
  const setHead = db.prepare('INSERT INTO audit_head (id, seq, hash) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash');
  const all = db.prepare('SELECT * FROM audit_log ORDER BY seq');
  const head = db.prepare('SELECT seq, hash FROM audit_head WHERE id = 1');
  const recent = db.prepare('SELECT * FROM audit_log ORDER BY seq DESC LIMIT ?');

  const appendTx = db.transaction((next: (last: AuditChainHead | undefined) => StoredAuditEntry): StoredAuditEntry => {
    const entry = next(last.get() as AuditChainHead | undefined);
    insert.run(entry.seq, entry.at, entry.event, entry.dataJson, entry.prevHash, entry.hash);
    setHead.run(entry.seq, entry.hash);
    return entry;
  });

  return {
    append: (next) => appendTx.immediate(next),
    *entries() {
      for (const row of all.iterate() as Iterable<Row>) yield toEntry(row);
    },
    head: () => head.get() as AuditChainHead | undefined,
    recent: (limit) => (recent.all(limit) as Row[]).map(toEntry),
  };
}
