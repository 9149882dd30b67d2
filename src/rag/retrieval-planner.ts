/**
 * Chooses how a search is authorized, per query:
 *
 * - pre-filter: ListObjects returned the caller's complete set of viewable documents, so the ranking is
 *   restricted to that set and no per-document check is needed. A small set is pushed into the FTS5
 *   query itself; a larger one filters the ranked stream (the top of the ranking is dense in it).
 * - post-filter: ListObjects was capped (or is larger than `maxPrefilterIds`), so the set is only a
 *   lower bound. Candidates are taken in rank order; those ListObjects already returned are known
 *   viewable, the rest are BatchChecked; the window widens until k are authorized or the index is
 *   exhausted. Recall stays exact, unlike a post-filter of a fixed top-k.
 */
export type Strategy = 'pre-filter' | 'post-filter';

export interface PlanInput {
  readonly listComplete: boolean;
  readonly listed: number;
  readonly corpusSize: number;
  readonly k: number;
  /** Treat a complete list longer than this as too large to use as a filter (default: no limit). */
  readonly maxPrefilterIds?: number;
  /** Force a strategy (tests and benchmarks); a forced pre-filter still requires a complete list. */
  readonly force?: Strategy;
}

export interface Plan {
  readonly strategy: Strategy;
  /** Pre-filter inside FTS5 (the set is small) rather than over the ranked stream. */
  readonly restrictInIndex: boolean;
  /** First FTS window (documents) and first check batch, sized from the expected share of viewable documents. */
  readonly firstWindow: number;
  readonly firstBatch: number;
  /** Lower bound of the share of the corpus the caller can view. */
  readonly density: number;
}

export function planRetrieval(p: PlanInput, maxRestrictKeys: number): Plan {
  const usable = p.listComplete && (p.maxPrefilterIds === undefined || p.listed <= p.maxPrefilterIds);
  if (p.force === 'pre-filter' && !p.listComplete) throw new TypeError('a pre-filter needs a complete ListObjects result');
  const strategy: Strategy = p.force ?? (usable ? 'pre-filter' : 'post-filter');
  const corpus = Math.max(1, p.corpusSize);
  const density = Math.min(1, Math.max(p.listed, 1) / corpus);
  const expected = Math.ceil((p.k / density) * 1.5) + p.k;
  return {
    strategy,
    restrictInIndex: strategy === 'pre-filter' && p.listed <= maxRestrictKeys,
    firstWindow: Math.min(Math.max(expected, 4 * p.k), 8192),
    firstBatch: Math.min(Math.max(expected, p.k), 400),
    density,
  };
}
