/**
 * The query operations (Check, BatchCheck, Expand, ListObjects, StreamedListObjects, ListUsers): request validation in OpenFGA's
 * order and with its error codes, then evaluation in a request scope.
 */
import { CheckResolver } from './check-resolver.js';
import { FgaError, FgaValidationError, RelationNotFoundError, TypeNotFoundError } from './errors.js';
import type { FgaLimits } from './limits.js';
import { expand, type UsersetTreeNode } from './expand.js';
import { listObjects, streamObjects, type ListObjectsResult } from './list-objects.js';
import { UserLister, type UserFilter } from './list-users.js';
import { requestScope, type QueryInput } from './request-scope.js';
import type { StoreState } from './store-registry.js';
import type { TupleKey } from './tuple-key.js';
import { validateCheckKey, validateUser } from './tuple-validation.js';
import type { Typesystem } from './typesystem.js';

export interface CheckQuery extends QueryInput {
  readonly tupleKey: Pick<TupleKey, 'user' | 'relation' | 'object'>;
}

export interface ListObjectsQuery extends QueryInput {
  readonly user: string;
  readonly relation: string;
  readonly type: string;
}

export interface ListUsersQuery extends QueryInput {
  readonly object: { readonly type: string; readonly id: string };
  readonly relation: string;
  readonly userFilters: readonly UserFilter[];
}

export function check(state: StoreState, ts: Typesystem, limits: FgaLimits, q: CheckQuery): boolean {
  validateCheckKey(ts, q.tupleKey);
  const scope = requestScope(state, ts, limits, q);
  return new CheckResolver(scope).check(q.tupleKey.object, q.tupleKey.relation, q.tupleKey.user);
}

export type BatchItemResult = { allowed: boolean } | { error: FgaError | Error };

export function batchCheck(state: StoreState, ts: Typesystem, limits: FgaLimits, qs: readonly CheckQuery[]): BatchItemResult[] {
  if (qs.length > limits.maxChecksPerBatch) {
    throw new FgaValidationError(`batchCheck received ${qs.length} checks, the maximum allowed is ${limits.maxChecksPerBatch}`);
  }
  return qs.map((q) => {
    try {
      return { allowed: check(state, ts, limits, q) };
    } catch (e) {
      return { error: e as Error };
    }
  });
}

function targetRelation(ts: Typesystem, type: string, relation: string): void {
  if (!ts.hasType(type)) throw new TypeNotFoundError(type);
  if (!ts.getRelation(type, relation)) throw new RelationNotFoundError(type, relation);
}

export interface ExpandQuery {
  readonly object: string;
  readonly relation: string;
  readonly contextualTuples?: readonly TupleKey[];
}

export function expandQuery(state: StoreState, ts: Typesystem, limits: FgaLimits, q: ExpandQuery): UsersetTreeNode {
  const scope = requestScope(state, ts, limits, { contextualTuples: q.contextualTuples });
  return expand(ts, scope.reader, q.object, q.relation);
}

/** A clock in milliseconds (performance.now in production). */
export type Clock = () => number;

function prepareListObjects(state: StoreState, ts: Typesystem, limits: FgaLimits, q: ListObjectsQuery, now: Clock) {
  const scope = requestScope(state, ts, limits, q);
  targetRelation(ts, q.type, q.relation);
  try {
    validateUser(ts, q.user);
  } catch (e) {
    throw new FgaValidationError(`invalid 'user' value: ${(e as Error).message}`, { cause: e });
  }
  return { scope, expired: deadlinePoller(now, limits.listObjectsDeadlineMs) };
}

/** Reading the clock costs ~100 ns, a step of the walk less: the deadline is polled every this many steps. */
const POLL_EVERY = 32;

/** True once `ms` have passed since the call; reads the clock on every POLL_EVERY-th poll only. */
function deadlinePoller(now: Clock, ms: number): () => boolean {
  const deadline = now() + ms;
  let polls = 0;
  let passed = false;
  return () => {
    if (passed) return true;
    if (++polls % POLL_EVERY !== 0) return false;
    return (passed = now() >= deadline);
  };
}

export function listObjectsQuery(state: StoreState, ts: Typesystem, limits: FgaLimits, q: ListObjectsQuery, now: Clock): ListObjectsResult {
  const { scope, expired } = prepareListObjects(state, ts, limits, q, now);
  return listObjects(scope, q.user, q.type, q.relation, { maxResults: limits.listObjectsMaxResults, expired });
}

/**
 * StreamedListObjects: validated up front (errors before the first object), then every allowed object,
 * uncapped, until the deadline. The generator's return value says whether it completed.
 */
export function streamListObjectsQuery(
  state: StoreState,
  ts: Typesystem,
  limits: FgaLimits,
  q: ListObjectsQuery,
  now: Clock,
): Generator<string, boolean> {
  const { scope, expired } = prepareListObjects(state, ts, limits, q, now);
  return streamObjects(scope, q.user, q.type, q.relation, expired);
}

export function listUsersQuery(
  state: StoreState,
  ts: Typesystem,
  limits: FgaLimits,
  q: ListUsersQuery,
): { users: string[]; capped: boolean } {
  const scope = requestScope(state, ts, limits, q);
  if (q.userFilters.length !== 1) throw new FgaValidationError('invalid ListUsersRequest.UserFilters: value must contain exactly 1 item(s)');
  for (const f of q.userFilters) {
    if (!ts.hasType(f.type)) throw new TypeNotFoundError(f.type);
    if (f.relation && !ts.getRelation(f.type, f.relation)) throw new RelationNotFoundError(f.type, f.relation);
  }
  targetRelation(ts, q.object.type, q.relation);
  const lister = new UserLister(scope, q.userFilters[0]);
  return lister.list(`${q.object.type}:${q.object.id}`, q.relation, limits.listUsersMaxResults);
}
