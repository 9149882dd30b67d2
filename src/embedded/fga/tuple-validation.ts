/**
 * Tuple validation against a model, ported from openfga internal/validation: loose checks for request
 * keys, strict checks for written and contextual tuples, and the read-time filter that makes tuples
 * which no longer match the model invisible.
 */
import {
  FgaValidationError,
  InvalidTupleError,
  RelationNotFoundError,
  TypeNotFoundError,
} from './errors.js';
import {
  isTypedWildcard,
  isUserset,
  isValidObject,
  isValidRelation,
  isValidUser,
  splitObject,
  splitObjectRelation,
  tupleKeyToString,
  WILDCARD,
  type TupleKey,
} from './tuple-key.js';
import type { Typesystem } from './typesystem.js';

class TupleProblem extends Error {}

export function validateUser(ts: Typesystem, user: string): void {
  if (!isValidUser(user)) throw new TupleProblem("the 'user' field is malformed");
  const [userObject, userRelation] = splitObjectRelation(user);
  const validUserset = isUserset(user);
  if (!isValidObject(user) && !validUserset) {
    throw new TupleProblem(
      "the 'user' field must be an object (e.g. document:1) or an 'object#relation' or a typed wildcard (e.g. group:*)",
    );
  }
  const [userType] = splitObject(userObject);
  if (!ts.hasType(userType)) throw new TypeNotFoundError(userType);
  if (validUserset && !ts.getRelation(userType, userRelation)) throw new RelationNotFoundError(userType, userRelation);
}

function validateObject(ts: Typesystem, object: string): void {
  if (!isValidObject(object)) throw new TupleProblem("invalid 'object' field format");
  const [type, id] = splitObject(object);
  if (id === WILDCARD) throw new TupleProblem("the 'object' field cannot reference a typed wildcard");
  if (!ts.hasType(type)) throw new TypeNotFoundError(type);
}

function validateRelation(ts: Typesystem, tk: TupleKey): void {
  if (!isValidRelation(tk.relation)) throw new TupleProblem("the 'relation' field is malformed");
  const [type] = splitObject(tk.object);
  if (!ts.hasType(type)) throw new TypeNotFoundError(type);
  if (!ts.getRelation(type, tk.relation)) throw new RelationNotFoundError(type, tk.relation, tupleKeyToString(tk));
}

/** Loose validation of a request key (Check): throws TypeNotFound/RelationNotFound/TupleProblem. */
function validateUserObjectRelation(ts: Typesystem, tk: TupleKey): void {
  validateUser(ts, tk.user);
  validateObject(ts, tk.object);
  validateRelation(ts, tk);
}

/** The Check request key: any problem is a validation_error (2000), as OpenFGA answers. */
export function validateCheckKey(ts: Typesystem, tk: TupleKey): void {
  try {
    validateUserObjectRelation(ts, tk);
  } catch (e) {
    throw new FgaValidationError(`invalid relation: ${(e as Error).message}`, { cause: e });
  }
}

/** A tuple being written, or sent as a contextual tuple: invalid_tuple (2027) or validation_error. */
export function validateTupleForWrite(ts: Typesystem, tk: TupleKey): void {
  try {
    validateUserObjectRelation(ts, tk);
  } catch (e) {
    throw new InvalidTupleError(tupleKeyToString(tk), (e as Error).message);
  }
  const problem = readProblem(ts, tk);
  if (problem) throw new InvalidTupleError(tupleKeyToString(tk), problem);
  validateCondition(ts, tk);
}

/** Deleted tuples are only checked for shape and existence of type and relation. */
export function validateTupleForDelete(ts: Typesystem, tk: TupleKey): void {
  try {
    validateUserObjectRelation(ts, tk);
  } catch (e) {
    throw new InvalidTupleError(tupleKeyToString(tk), (e as Error).message);
  }
}

/** Read-time filter: a stored tuple the current model no longer allows is ignored by evaluation. */
export function isValidForRead(ts: Typesystem, tk: TupleKey): boolean {
  const cache = readValidityCache(ts);
  let valid = cache.get(tk);
  if (valid === undefined) {
    valid = computeReadValidity(ts, tk);
    cache.set(tk, valid);
  }
  return valid;
}

/** Tuple objects are immutable once indexed, so their validity per model is memoised. */
const readValidity = new WeakMap<Typesystem, WeakMap<TupleKey, boolean>>();

/** The memo behind isValidForRead, for hot loops that hold on to it (Check). */
export function readValidityCache(ts: Typesystem): WeakMap<TupleKey, boolean> {
  let cache = readValidity.get(ts);
  if (!cache) readValidity.set(ts, (cache = new WeakMap()));
  return cache;
}

export function computeReadValidity(ts: Typesystem, tk: TupleKey): boolean {
  return !readProblem(ts, tk) && conditionAcceptable(ts, tk);
}

function conditionAcceptable(ts: Typesystem, tk: TupleKey): boolean {
  try {
    validateCondition(ts, tk);
    return true;
  } catch {
    return false;
  }
}

function readProblem(ts: Typesystem, tk: TupleKey): string | undefined {
  const [objectType] = splitObject(tk.object);
  if (ts.isTupleset(objectType, tk.relation)) {
    const rewrite = ts.getRelation(objectType, tk.relation);
    if (rewrite && !('this' in rewrite)) return `unexpected rewrite encountered with tupleset relation '${objectType}#${tk.relation}'`;
    if (tk.user === WILDCARD || isTypedWildcard(tk.user)) return `unexpected wildcard relationship with tupleset relation '${objectType}#${tk.relation}'`;
    if (!isValidObject(tk.user)) return `unexpected user '${tk.user}' with tupleset relation '${objectType}#${tk.relation}'`;
  }
  if (!ts.hasType(objectType)) return `type '${objectType}' does not exist in the authorization model`;
  const [userObject, userRel] = splitObjectRelation(tk.user);
  const [userType] = splitObject(userObject);
  const refs = ts.directTypes(objectType, tk.relation);
  if (isUserset(tk.user)) {
    if (refs.some((r) => r.type === userType && r.relation === userRel)) return undefined;
    return `'${userType}#${userRel}' is not an allowed type restriction for '${objectType}#${tk.relation}'`;
  }
  if (isTypedWildcard(tk.user)) {
    if (refs.some((r) => r.type === userType && r.wildcard)) return undefined;
    return `the typed wildcard '${tk.user}' is not an allowed type restriction for '${objectType}#${tk.relation}'`;
  }
  if (refs.some((r) => r.type === userType && !r.wildcard && !r.relation)) return undefined;
  return `type '${userType}' is not an allowed type restriction for '${objectType}#${tk.relation}'`;
}

function conditionError(tk: TupleKey, reason: string): FgaValidationError {
  return new FgaValidationError(`Invalid tuple '${tupleKeyToString(tk)}'. Reason: ${reason}`);
}

function validateCondition(ts: Typesystem, tk: TupleKey): void {
  const [objectType] = splitObject(tk.object);
  const [userObject, userRel] = splitObjectRelation(tk.user);
  const [userType] = splitObject(userObject);
  const refs = ts.directTypes(objectType, tk.relation);
  const wildcard = isTypedWildcard(tk.user);
  if (!tk.condition?.name) {
    const ok = refs.some((r) => {
      if (r.condition || r.type !== userType) return false;
      if (r.relation) return r.relation === userRel;
      if (r.wildcard) return wildcard;
      return !wildcard;
    });
    if (!ok) throw conditionError(tk, 'condition is missing');
    return;
  }
  const name = tk.condition.name;
  const condition = ts.conditions.get(name);
  if (!condition) throw conditionError(tk, 'undefined condition');
  if (!refs.some((r) => r.type === userType && r.condition === name)) {
    throw conditionError(tk, 'invalid condition for type restriction');
  }
  const context = tk.condition.context ?? {};
  const { unknown } = condition.cast(context);
  if (unknown.length > 0) throw conditionError(tk, `found invalid context parameter: ${unknown[0]}`);
}
