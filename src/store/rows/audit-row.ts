import type { StoredAuditEntry, StoredCheckpoint } from '../ports/audit-store.js';

// Rows of the `audit_log` and `audit_checkpoints` tables, as both SQL Stores (SQLite and PostgreSQL) name their columns.

export interface Row {
  seq: number;
  at: string;
  event: string;
  data: string;
  prev_hash: string;
  hash: string;
}

export interface CheckpointRow {
  seq: number;
  hash: string;
  at: string;
  jws: string;
  verified_at?: string | null;
}

export const toEntry = (r: Row): StoredAuditEntry => ({ seq: r.seq, at: r.at, event: r.event, dataJson: r.data, prevHash: r.prev_hash, hash: r.hash });
export const toCheckpoint = (r: CheckpointRow): StoredCheckpoint => ({ seq: r.seq, hash: r.hash, at: r.at, jws: r.jws, ...(r.verified_at ? { verifiedAt: r.verified_at } : {}) });
