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
 * A signed checkpoint as stored: `jws` is the signed statement (src/audit/checkpoint.ts writes and
 * checks it); `seq`, `hash` and `at` are copies for lookups that a verifier never trusts on their own.
 */
export interface StoredCheckpoint {
  readonly seq: number;
  readonly hash: string;
  readonly at: string;
  readonly jws: string;
  /** When `audit verify` last proved the chain up to this checkpoint; undefined when never. */
  readonly verifiedAt?: string | undefined;
}

/** Which entries to read: from a `seq` on, and/or from a time on (ISO 8601 UTC, compared as stored). */
export interface AuditRange {
  readonly fromSeq?: number;
  readonly since?: string;
}

/**
 * Storage of the audit log (src/audit/ builds, signs and verifies the chain; this only keeps it).
 * What every implementation must guarantee (test/store/contracts/audit-store.contract.ts holds each
 * one to it):
 *
 * - **Serialised appends.** `append` reads the newest entry, lets `next` build the one after it, stores
 *   it and moves the head as one unit that excludes every other appender — in this process, in another
 *   process, on another instance sharing the same storage (SQLite: `BEGIN IMMEDIATE`; a server database:
 *   a lock on the head row or an advisory lock). Many writers therefore make one chain, never a fork.
 * - **Append-only, ordered.** Entries come back in ascending `seq`, byte for byte as stored (the hash was
 *   computed over `dataJson`). The only deletion is `prune`.
 * - **The head apart from the entries**, so a removed tail shows as a head past the last entry.
 * - **Checkpoints and the anchor are kept as given**: the store never signs or checks signatures.
 * - Reads stream (`entries` reads a page at a time), so a verifier or exporter never holds the whole
 *   log, and a reader paused between entries, or gone, holds up no writer.
 * - Every method answers with a Promise; callbacks handed in (`append`'s `next`) stay synchronous.
 */
export interface AuditStore {
  /**
   * Serialised append (see above). `next` is synchronous: the store calls it inside its lock. If `next`
   * throws, nothing is stored and the promise rejects with that error. An
   * entry whose `seq` is taken is refused (the store's error propagates) and nothing is stored.
   */
  append(next: (last: AuditChainHead | undefined) => StoredAuditEntry): Promise<StoredAuditEntry>;
  /**
   * Entries in ascending `seq` order, restricted to `range` when given; read page by page as the
   * iteration goes. Leaving the loop early (`break`, `return`, a throw) holds nothing: no connection,
   * lock or statement stays taken, and the store serves other calls between pages.
   */
  entries(range?: AuditRange): AsyncIterable<StoredAuditEntry>;
  /** The recorded head; undefined when nothing was ever appended (or the head row is gone). */
  head(): Promise<AuditChainHead | undefined>;
  /** The newest `limit` entries, newest first. */
  recent(limit: number): Promise<StoredAuditEntry[]>;

  /** Stores a checkpoint; a second one for the same `seq` is ignored (the first is kept). */
  addCheckpoint(checkpoint: StoredCheckpoint): Promise<void>;
  /** Every stored checkpoint, ascending `seq`. */
  checkpoints(): Promise<StoredCheckpoint[]>;
  /** Records that the chain was proved up to the checkpoint at `seq` (no-op when there is none). */
  markVerified(seq: number, at: string): Promise<void>;
  /** The checkpoint at the cut of the last prune; undefined when never pruned. */
  anchor(): Promise<StoredCheckpoint | undefined>;
  /**
   * As one unit: deletes every entry with `seq <= anchor.seq` and every checkpoint before it, and makes
   * `anchor` the anchor. Refuses (throws, changes nothing) an anchor behind the current one or past the
   * head. Returns how many entries were deleted.
   */
  prune(anchor: StoredCheckpoint): Promise<number>;
}
