/** One stored entry of the hash-chained audit log, its data as the canonical JSON text that was hashed. */
export interface StoredAuditEntry {
  readonly seq: number;
  readonly at: string;
  readonly event: string;
  readonly dataJson: string;
  readonly prevHash: string;
  readonly hash: string;
}

/** The newest entry's position: what the next entry links to. */
export interface AuditChainHead {
  readonly seq: number;
  readonly hash: string;
}

/**
 * Storage of the audit log (src/audit/audit-log.ts builds and verifies the chain; this only keeps it).
 * Entries are append-only and ordered by `seq`; the head is kept apart from the entries, so a removed
 * tail is visible as a head that points past the last entry.
 */
export interface AuditStore {
  /**
   * Reads the newest entry, lets `next` build the one after it, stores that entry and moves the head,
   * as one unit that excludes every other appender (in this process or another on the same Store).
   * If `next` throws, nothing is stored and the error propagates. An entry whose `seq` is taken is
   * refused (the store's error propagates) and nothing is stored.
   */
  append(next: (last: AuditChainHead | undefined) => StoredAuditEntry): StoredAuditEntry;
  /** Every entry, in ascending `seq` order. */
  entries(): Iterable<StoredAuditEntry>;
  /** The recorded head; undefined when nothing was ever appended. */
  head(): AuditChainHead | undefined;
  /** The newest `limit` entries, newest first. */
  recent(limit: number): StoredAuditEntry[];
}
