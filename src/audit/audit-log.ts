import { canonicalJson } from '../lib/canonical-json.js';
import type { AuditStore } from '../store/ports/audit-store.js';
import { signCheckpoint, type Checkpoint } from './checkpoint.js';
import type { CheckpointKey } from './checkpoint-key.js';
import { GENESIS, hashCanonical } from './entry-hash.js';
import { scrubSecrets } from './scrub.js';
import { verifyChain, type VerifyOptions, type VerifyResult } from './verify-chain.js';

export { entryHash, GENESIS } from './entry-hash.js';
export type { VerifyFailureCode, VerifyResult } from './verify-chain.js';

export interface AuditEntry {
  readonly seq: number;
  readonly at: string;
  readonly event: string;
  readonly data: Record<string, unknown>;
  readonly prevHash: string;
  readonly hash: string;
}

export interface AuditLog {
  /**
   * Appends an entry; resolves once it is stored (and rejects, storing nothing, when the store fails).
   * Callers await it before they answer: a decision is audited before it is answered.
   */
  append(event: string, data: Record<string, unknown>): Promise<AuditEntry>;
  /** Verifies the chain against its signed checkpoints (see verifyChain); incremental unless `full`. */
  verify(opts?: Pick<VerifyOptions, 'full' | 'exported' | 'record'>): Promise<VerifyResult>;
  recent(limit: number): Promise<AuditEntry[]>;
  /**
   * Signs and stores a checkpoint of the newest entry this log appended, when it is past the newest
   * stored checkpoint (a process signs only hashes it computed itself, never a head read back from the
   * database). Returns the checkpoint written, or undefined when there was nothing new or no key.
   * The server calls it on a timer and when it closes.
   */
  checkpoint(): Promise<Checkpoint | undefined>;
}

export interface AuditLogOptions {
  readonly now?: () => Date;
  /** The checkpoint signing key; absent: no checkpoints are written, and verify cannot check stored ones. */
  readonly key?: CheckpointKey | undefined;
  /** A signed checkpoint after every `checkpointEvery`-th entry (by seq); absent or 0: none by count. */
  readonly checkpointEvery?: number | undefined;
}

/**
 * Append-only, hash-chained audit log over an AuditStore. Each entry's hash covers the previous hash and
 * the entry's canonical JSON, so altering or removing an entry breaks the chain from that entry on; the
 * head (moved in the same append) exposes a removed tail, and signed checkpoints — whose key is not in
 * the database — expose a rewrite re-hashed end to end, or a tail removed together with the head.
 */
export function createAuditLog(store: AuditStore, opts: AuditLogOptions = {}): AuditLog {
  const now = opts.now ?? (() => new Date());
  const { key } = opts;
  const every = opts.checkpointEvery ?? 0;

  let lastAppended: { seq: number; hash: string } | undefined;

  return {
    async append(event, data) {
      const scrubbed = scrubSecrets(data) as Record<string, unknown>;
      const stored = await store.append((prev) => {
        const seq = (prev?.seq ?? 0) + 1;
        const prevHash = prev?.hash ?? GENESIS;
        const at = now().toISOString();
        const dataJson = canonicalJson(scrubbed);
        return { seq, at, event, dataJson, prevHash, hash: hashCanonical(prevHash, { seq, at, event }, dataJson) };
      });
      // Appends of one process may resolve out of order (a server database): keep the newest.
      if (!lastAppended || stored.seq > lastAppended.seq) lastAppended = stored;
      if (key && every > 0 && stored.seq % every === 0) await writeCheckpoint(store, key, stored, now);
      return { seq: stored.seq, at: stored.at, event: stored.event, data: scrubbed, prevHash: stored.prevHash, hash: stored.hash };
    },
    verify: (o = {}) => verifyChain(store, { ...o, key: key?.publicKey, now }),
    async recent(limit) {
      return (await store.recent(limit)).map((e) => ({ seq: e.seq, at: e.at, event: e.event, data: JSON.parse(e.dataJson) as Record<string, unknown>, prevHash: e.prevHash, hash: e.hash }));
    },
    async checkpoint() {
      if (!key || !lastAppended) return undefined;
      const signing = lastAppended;
      const latest = (await store.checkpoints()).at(-1);
      if (latest && latest.seq >= signing.seq) return undefined;
      return writeCheckpoint(store, key, signing, now);
    },
  };
}

/** Signs "entry `at.seq` has hash `at.hash`" now, and stores it. */
export async function writeCheckpoint(store: AuditStore, key: CheckpointKey, at: { seq: number; hash: string }, now: () => Date = () => new Date()): Promise<Checkpoint> {
  const c = { seq: at.seq, hash: at.hash, at: now().toISOString() };
  await store.addCheckpoint({ ...c, jws: signCheckpoint(key.privateKey, key.publicKey, c) });
  return c;
}
