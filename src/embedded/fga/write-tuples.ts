/**
 * Write: atomically delete and add tuples, OpenFGA style. Validation happens before anything changes;
 * `on_duplicate: 'ignore'` skips an identical existing tuple and `on_missing: 'ignore'` skips deleting
 * an absent one, which makes retries idempotent.
 */
import {
  DuplicateTupleInWriteError,
  ExceededEntityLimitError,
  InvalidWriteInputError,
  WriteFailedError,
} from './errors.js';
import type { FgaLimits } from './limits.js';
import type { FgaStorage } from './storage.js';
import type { StoreState } from './store-registry.js';
import { tupleId, type TupleKey } from './tuple-key.js';
import { validateTupleForDelete, validateTupleForWrite } from './tuple-validation.js';
import type { Typesystem } from './typesystem.js';

export interface WriteRequest {
  readonly writes: readonly TupleKey[];
  readonly deletes: readonly TupleKey[];
  readonly onDuplicate: 'error' | 'ignore';
  readonly onMissing: 'error' | 'ignore';
}

const describe = (t: TupleKey) => `user: '${t.user}', relation: '${t.relation}', object: '${t.object}'`;

function sameCondition(a: TupleKey, b: TupleKey): boolean {
  if ((a.condition?.name ?? '') !== (b.condition?.name ?? '')) return false;
  return JSON.stringify(a.condition?.context ?? {}) === JSON.stringify(b.condition?.context ?? {});
}

export function writeTuples(state: StoreState, ts: Typesystem, storage: FgaStorage, limits: FgaLimits, req: WriteRequest): void {
  const total = req.writes.length + req.deletes.length;
  if (total === 0) throw new InvalidWriteInputError('Invalid input. Make sure you provide at least one write, or at least one delete');
  if (total > limits.maxTuplesPerWrite) throw new ExceededEntityLimitError('write operations', limits.maxTuplesPerWrite);
  const seen = new Set<string>();
  for (const t of [...req.writes, ...req.deletes]) {
    const id = tupleId(t);
    if (seen.has(id)) throw new DuplicateTupleInWriteError(`duplicate tuple in write: ${describe(t)}`);
    seen.add(id);
  }
  for (const t of req.writes) validateTupleForWrite(ts, t);
  for (const t of req.deletes) validateTupleForDelete(ts, t);

  const deletes = req.deletes.filter((t) => {
    if (state.index.get(tupleId(t))) return true;
    if (req.onMissing === 'ignore') return false;
    throw new WriteFailedError(`cannot delete a tuple which does not exist: ${describe(t)}: invalid write input`);
  });
  const writes = req.writes.filter((t) => {
    const existing = state.index.get(tupleId(t));
    if (!existing) return true;
    if (req.onDuplicate === 'ignore' && sameCondition(existing.key, t)) return false;
    throw new WriteFailedError(`cannot write a tuple which already exists: ${describe(t)}: tuple to be written already existed or the tuple to be deleted did not exist`);
  });
  if (writes.length === 0 && deletes.length === 0) return;
  const stored = storage.applyWrite(state.record.id, writes.map(normalise), deletes, new Date().toISOString());
  for (const d of deletes) state.index.delete(tupleId(d));
  for (const t of stored) state.index.put(t);
}

function normalise(t: TupleKey): TupleKey {
  const key = { object: t.object, relation: t.relation, user: t.user };
  if (!t.condition?.name) return key;
  return { ...key, condition: { name: t.condition.name, ...(t.condition.context ? { context: t.condition.context } : {}) } };
}
