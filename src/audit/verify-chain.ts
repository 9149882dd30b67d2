import type { KeyObject } from 'node:crypto';
import type { AuditChainHead, AuditStore } from '../store/ports/audit-store.js';
import { openCheckpoint, type Checkpoint } from './checkpoint.js';
import { entryHash, GENESIS } from './entry-hash.js';

/** Why a chain fails verification; each names a different attack or fault. */
export type VerifyFailureCode =
  | 'entry_missing'
  | 'link_broken'
  | 'bad_data'
  | 'hash_mismatch'
  | 'checkpoint_signature'
  | 'anchor_signature'
  | 'exported_checkpoint_signature'
  | 'no_key'
  | 'checkpoint_mismatch'
  | 'truncated'
  | 'head_missing'
  | 'head_rolled_back'
  | 'head_mismatch';

export type VerifyResult =
  | {
      readonly ok: true;
      /** The last entry of the chain (0 when empty) and its hash. */
      readonly lastSeq: number;
      readonly head: string;
      /** How many entries this run recomputed, and the entry it started after (a checkpoint, the prune anchor, or 0). */
      readonly checked: number;
      readonly from: number;
      /** The newest signed checkpoint the chain was held to (stored or exported); 0 when none. */
      readonly checkpoint: number;
    }
  | { readonly ok: false; readonly code: VerifyFailureCode; readonly badSeq: number; readonly reason: string };

export interface VerifyOptions {
  /** The public key checkpoints must verify with; absent: any stored checkpoint fails as `no_key`. */
  readonly key?: KeyObject | undefined;
  /** Recompute from genesis (or the prune anchor) instead of from the last verified checkpoint. */
  readonly full?: boolean | undefined;
  /** A checkpoint kept outside the database's reach (JWS): the chain must reach it and match it. */
  readonly exported?: string | undefined;
  /** Record the newest checkpoint proved by a successful run, so the next run starts there (default true). */
  readonly record?: boolean | undefined;
  readonly now?: (() => Date) | undefined;
}

const fail = (code: VerifyFailureCode, badSeq: number, reason: string): VerifyResult => ({ ok: false, code, badSeq, reason });

/**
 * Verifies the audit chain against its signed checkpoints:
 * 1. every stored checkpoint, the prune anchor and the exported checkpoint must carry a valid signature;
 * 2. the chain is recomputed from the newest checkpoint a previous run proved (or, `full`, from genesis /
 *    the prune anchor): each entry links to the one before, matches its hash, and matches every signed
 *    checkpoint it passes;
 * 3. the chain must reach the newest signed checkpoint (a removed tail is `truncated`), and the head must
 *    exist, not lie behind a checkpoint, and name the chain's last entry.
 * A rewrite re-hashed end to end passes 2 for the chain alone; only a signed checkpoint at or past the
 * rewritten entry exposes it (`checkpoint_mismatch`), and only an exported one does when the stored
 * checkpoints were deleted too.
 */
export async function verifyChain(store: AuditStore, opts: VerifyOptions = {}): Promise<VerifyResult> {
  const { key } = opts;
  const open = (jws: string) => (key ? openCheckpoint(key, jws) : undefined);

  const stored = await store.checkpoints();
  const anchorRow = await store.anchor();
  if (!key && (stored.length || anchorRow || opts.exported)) {
    return fail('no_key', (anchorRow ?? stored[0])?.seq ?? 0, 'signed checkpoints exist but no checkpoint key was given to check them');
  }
  const signed: (Checkpoint & { verified: boolean })[] = [];
  for (const row of stored) {
    const c = open(row.jws);
    if (!c || c.seq !== row.seq || c.hash !== row.hash) return fail('checkpoint_signature', row.seq, `the checkpoint at entry ${row.seq} does not carry a valid signature`);
    signed.push({ ...c, verified: row.verifiedAt !== undefined });
  }
  let base: AuditChainHead = { seq: 0, hash: GENESIS };
  if (anchorRow) {
    const a = open(anchorRow.jws);
    if (!a || a.seq !== anchorRow.seq || a.hash !== anchorRow.hash) return fail('anchor_signature', anchorRow.seq, `the prune anchor at entry ${anchorRow.seq} does not carry a valid signature`);
    base = a;
  }
  const targets = signed.filter((c) => c.seq > base.seq);
  if (opts.exported !== undefined) {
    const e = open(opts.exported.trim());
    if (!e) return fail('exported_checkpoint_signature', 0, 'the exported checkpoint does not carry a valid signature');
    if (e.seq > base.seq) targets.push({ ...e, verified: false });
    else if (e.seq === base.seq && e.hash !== base.hash) return fail('checkpoint_mismatch', e.seq, `the prune anchor at entry ${e.seq} does not match the exported checkpoint`);
  }
  const newest = targets.reduce((m, c) => Math.max(m, c.seq), base.seq);

  // Start after the newest checkpoint a previous run proved, re-reading its entry to hold it to the signature.
  const resume = opts.full ? undefined : signed.filter((c) => c.verified && c.seq > base.seq).at(-1);
  const expect = new Map<number, string[]>();
  for (const c of targets) expect.set(c.seq, [...(expect.get(c.seq) ?? []), c.hash]);

  let prevHash = base.hash;
  let expectedSeq = resume ? resume.seq : base.seq + 1;
  let from = base.seq;
  let checked = 0;
  let first = resume !== undefined;
  /** Recomputes entries from `expectedSeq` on, up to `through` when given; a failure, or undefined when they hold. */
  const pass = async (through?: number): Promise<VerifyResult | undefined> => {
    for await (const e of store.entries({ fromSeq: expectedSeq })) {
      if (through !== undefined && e.seq > through) break;
      if (first && resume) {
        // Proved by an earlier run: only hold it to its signed hash, and go on from there.
        first = false;
        if (e.seq !== resume.seq) return fail('entry_missing', resume.seq, `entry ${resume.seq} is missing`);
        if (e.hash !== resume.hash) return fail('checkpoint_mismatch', e.seq, `entry ${e.seq} does not match the signed checkpoint for it (history was rewritten)`);
        prevHash = e.hash;
        expectedSeq = e.seq + 1;
        from = e.seq;
        continue;
      }
      if (e.seq !== expectedSeq) return fail('entry_missing', expectedSeq, `entry ${expectedSeq} is missing`);
      if (e.prevHash !== prevHash) return fail('link_broken', e.seq, 'previous-hash link does not match');
      let data: unknown;
      try {
        data = JSON.parse(e.dataJson);
      } catch {
        return fail('bad_data', e.seq, 'entry data is not valid JSON');
      }
      if (entryHash(prevHash, { seq: e.seq, at: e.at, event: e.event, data }) !== e.hash) return fail('hash_mismatch', e.seq, 'entry content does not match its hash');
      if (expect.get(e.seq)?.some((h) => h !== e.hash)) return fail('checkpoint_mismatch', e.seq, `entry ${e.seq} does not match the signed checkpoint for it (history was rewritten)`);
      prevHash = e.hash;
      expectedSeq++;
      checked++;
    }
    return undefined;
  };
  const broken = await pass();
  if (broken) return broken;
  if (first && resume) return fail('truncated', resume.seq, `the chain ends before entry ${resume.seq}, which a signed checkpoint covers`);
  let lastSeq = expectedSeq - 1;
  if (lastSeq < newest) return fail('truncated', lastSeq + 1, `the chain ends at entry ${lastSeq} but a signed checkpoint covers entry ${newest}`);

  const head = await store.head();
  if (head && head.seq > lastSeq) {
    // Appended (by a running server) after the entries were read: verify up to the head just read, so a
    // live chain is not mistaken for a removed tail. A tail really removed leaves nothing to read here.
    const late = await pass(head.seq);
    if (late) return late;
    lastSeq = expectedSeq - 1;
  }
  if (!head) {
    if (lastSeq > 0) return fail('head_missing', lastSeq, `the head record is missing (the chain has ${lastSeq} entries)`);
  } else if (head.seq < newest) {
    return fail('head_rolled_back', head.seq + 1, `the head records entry ${head.seq}, behind the signed checkpoint at entry ${newest}`);
  } else if (head.seq !== lastSeq || head.hash !== prevHash) {
    return fail('head_mismatch', Math.min(head.seq, lastSeq + 1), `the chain ends at entry ${lastSeq} but the head records entry ${head.seq}`);
  }

  if (opts.record !== false) {
    const proved = signed.filter((c) => c.seq <= lastSeq && c.seq > base.seq).at(-1);
    if (proved && !proved.verified) await store.markVerified(proved.seq, (opts.now ?? (() => new Date()))().toISOString());
  }
  return { ok: true, lastSeq, head: prevHash, checked, from, checkpoint: newest };
}
