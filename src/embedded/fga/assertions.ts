/**
 * Assertions (the tests a modelling tool keeps next to a model): WriteAssertions replaces the list for
 * one store and authorization model, ReadAssertions returns it. Validated as OpenFGA does: the model
 * must exist, each assertion's tuple key is validated like a Check request's, its contextual tuples
 * like written tuples; at most 100 assertions, 20 contextual tuples each, 64 KiB in all.
 */
import { ExceededEntityLimitError, FgaValidationError } from './errors.js';
import type { TupleKey } from './tuple-key.js';
import { validateCheckKey, validateTupleForWrite } from './tuple-validation.js';
import type { Typesystem } from './typesystem.js';

export interface Assertion {
  readonly tuple_key: { readonly object: string; readonly relation: string; readonly user: string };
  readonly expectation: boolean;
  readonly contextual_tuples?: readonly TupleKey[];
  readonly context?: Record<string, unknown>;
}

export const MAX_ASSERTIONS = 100;
export const MAX_ASSERTION_CONTEXTUAL_TUPLES = 20;
export const MAX_ASSERTIONS_BYTES = 64 * 1024;

/** Validates the list against the model and returns its stored form. */
export function validateAssertions(ts: Typesystem, assertions: readonly Assertion[]): string {
  if (assertions.length > MAX_ASSERTIONS) {
    throw new FgaValidationError(`invalid WriteAssertionsRequest.Assertions: value must contain no more than ${MAX_ASSERTIONS} item(s)`);
  }
  const body = JSON.stringify(assertions);
  if (Buffer.byteLength(body) > MAX_ASSERTIONS_BYTES) throw new ExceededEntityLimitError('bytes', MAX_ASSERTIONS_BYTES);
  for (const a of assertions) {
    if ((a.contextual_tuples?.length ?? 0) > MAX_ASSERTION_CONTEXTUAL_TUPLES) {
      throw new FgaValidationError(`invalid Assertion.ContextualTuples: value must contain no more than ${MAX_ASSERTION_CONTEXTUAL_TUPLES} item(s)`);
    }
    validateCheckKey(ts, a.tuple_key);
    for (const t of a.contextual_tuples ?? []) {
      try {
        validateTupleForWrite(ts, t);
      } catch (e) {
        throw new FgaValidationError((e as Error).message, { cause: e });
      }
    }
  }
  return body;
}
