import type { AuditStore } from '../store/ports/audit-store.js';
import { verifyChain, type VerifyOptions, type VerifyResult } from './verify-chain.js';

export type PruneResult =
  | { readonly pruned: true; readonly deleted: number; readonly through: number }
  | { readonly pruned: false; readonly reason: 'nothing_old_enough' | 'no_checkpoint_at_cut' }
  | { readonly pruned: false; readonly reason: 'chain_broken'; readonly verify: Extract<VerifyResult, { ok: false }> };

/**
 * Retention: deletes the entries older than `cutoff`, but only up to a signed checkpoint — the newest
 * one whose entry and every entry before it are older than the cutoff. That checkpoint becomes the
 * anchor the remaining chain links to, so `verify` still proves it. Refuses to prune a chain that does
 * not verify (the evidence of tampering is kept). Entries newer than the cut survive even when older
 * than the cutoff, until a later checkpoint covers them.
 */
export async function pruneAuditLog(store: AuditStore, cutoff: Date, opts: Pick<VerifyOptions, 'key' | 'now'>): Promise<PruneResult> {
  const verify = await verifyChain(store, { key: opts.key, now: opts.now });
  if (!verify.ok) return { pruned: false, reason: 'chain_broken', verify };
  let limit = verify.lastSeq;
  for await (const first of store.entries({ since: cutoff.toISOString() })) {
    limit = first.seq - 1;
    break;
  }
  const base = (await store.anchor())?.seq ?? 0;
  if (limit <= base) return { pruned: false, reason: 'nothing_old_enough' };
  // verifyChain checked every stored checkpoint's signature, and the chain through the newest of them.
  const cut = (await store.checkpoints()).filter((c) => c.seq > base && c.seq <= limit).at(-1);
  if (!cut) return { pruned: false, reason: 'no_checkpoint_at_cut' };
  let deleted: number;
  try {
    deleted = await store.prune(cut);
  } catch (err) {
    // Another instance pruned past this cut since it was chosen (the Store refuses to move the anchor
    // back, atomically): what was older than the cutoff is gone already.
    if (((await store.anchor())?.seq ?? 0) >= cut.seq) return { pruned: false, reason: 'nothing_old_enough' };
    throw err;
  }
  return { pruned: true, deleted, through: cut.seq };
}
