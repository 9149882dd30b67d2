/**
 * The evaluation scope of one query: the model, the store's tuples with the request's contextual
 * tuples laid over them (validated like writes, at most 100), and the request context.
 */
import type { EvalContext } from './check-resolver.js';
import { FgaValidationError } from './errors.js';
import type { FgaLimits } from './limits.js';
import type { StoreState } from './store-registry.js';
import { OverlayReader, TupleIndex } from './tuple-index.js';
import type { TupleKey } from './tuple-key.js';
import { validateTupleForWrite } from './tuple-validation.js';
import type { Typesystem } from './typesystem.js';

export interface QueryInput {
  readonly contextualTuples?: readonly TupleKey[];
  readonly context?: Record<string, unknown>;
}

export function requestScope(state: StoreState, ts: Typesystem, limits: FgaLimits, q: QueryInput): EvalContext {
  const contextual = q.contextualTuples ?? [];
  if (contextual.length > limits.maxContextualTuples) {
    throw new FgaValidationError(
      `invalid ContextualTupleKeys.TupleKeys: value must contain no more than ${limits.maxContextualTuples} item(s)`,
    );
  }
  for (const t of contextual) validateTupleForWrite(ts, t);
  const reader = contextual.length ? new OverlayReader(TupleIndex.of(contextual), state.index) : state.index;
  return { ts, reader, context: q.context, maxDepth: limits.resolveDepth };
}
