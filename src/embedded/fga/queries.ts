/**
 * The query operations (Check, BatchCheck, ListObjects, ListUsers): request validation in OpenFGA's
 * order and with its error codes, then evaluation in a request scope.
 */
import { CheckResolver } from './check-resolver.js';
import { FgaError, FgaValidationError, RelationNotFoundError, TypeNotFoundError } from './errors.js';
import type { FgaLimits } from './limits.js';
import { listObjects, type ListObjectsResult } from './list-objects.js';
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

export function listObjectsQuery(state: StoreState, ts: Typesystem, limits: FgaLimits, q: ListObjectsQuery): ListObjectsResult {
  const scope = requestScope(state, ts, limits, q);
  targetRelation(ts, q.type, q.relation);
  try {
    validateUser(ts, q.user);
  } catch (e) {
    throw new FgaValidationError(`invalid 'user' value: ${(e as Error).message}`, { cause: e });
  }
  return listObjects(scope, q.user, q.type, q.relation, limits.listObjectsMaxResults);
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
