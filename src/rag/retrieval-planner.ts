/**
 * Chooses, per query, how a search is authorized — and changes its mind as evidence arrives:
 *
 * - post-filter: take candidates in rank order and BatchCheck them (documents a ListObjects answer
 *   already returned need no check), widening until k are authorized or the index is exhausted.
 *   Cheap when the caller can view much of the corpus; exact, unlike a post-filter of a fixed top-k.
 * - pre-filter: ListObjects gives the caller's complete set, and the FTS query is restricted to it
 *   inside the Store. Cheap when the set is small; impossible when ListObjects is capped, and a large
 *   ListObjects is itself the expensive part.
 *
 * So the planner probes first: the top 2k candidates are checked in one BatchCheck. If that is not
 * enough and the observed density says a post-filter would need more than `postFilterBudget` checks,
 * it asks ListObjects, and pre-filters when the answer is complete (post-filtering with its objects
 * as hints otherwise). A per-user density hint from the previous search skips a probe that would not
 * pay off. Hints only steer the plan; they never decide what a caller may see.
 */
export type Strategy = 'pre-filter' | 'post-filter';

export interface PlannerOptions {
  /** Candidates checked by the probe, as a multiple of k. */
  readonly probeFactor: number;
  /** Most further checks worth spending before asking ListObjects instead. */
  readonly postFilterBudget: number;
  /** A complete list longer than this is not used as a pre-filter (default: no limit). */
  readonly maxPrefilterIds?: number;
}

export const DEFAULT_PLANNER: PlannerOptions = { probeFactor: 2, postFilterBudget: 400 };

/** Before any FGA call: probe (post-filter first) unless the hint says the caller sees little. */
export function firstStep(k: number, hintDensity: number | undefined, o: PlannerOptions): 'probe' | 'list' {
  if (hintDensity === undefined) return 'probe';
  return hintDensity > 0 && k / hintDensity <= o.postFilterBudget ? 'probe' : 'list';
}

/** After a batch of checks: keep post-filtering, or ask ListObjects. */
export function afterBatch(s: { k: number; picked: number; examined: number; authorized: number }, o: PlannerOptions): 'continue' | 'list' {
  if (s.picked >= s.k) return 'continue';
  const density = s.examined ? s.authorized / s.examined : 0;
  return density > 0 && (s.k - s.picked) / density <= o.postFilterBudget ? 'continue' : 'list';
}

/** With a ListObjects answer in hand. */
export function withList(list: { complete: boolean; listed: number }, o: PlannerOptions): Strategy {
  return list.complete && (o.maxPrefilterIds === undefined || list.listed <= o.maxPrefilterIds) ? 'pre-filter' : 'post-filter';
}

/** How many candidates to check next, from the density seen so far (generous: a round trip costs more than a check). */
export function nextBatchSize(s: { k: number; picked: number; examined: number; authorized: number }): number {
  const density = s.examined ? Math.max(s.authorized, 1) / s.examined : 1;
  return Math.min(Math.max(Math.ceil(((s.k - s.picked) / density) * 1.5), s.k, 50), 400);
}

/**
 * The first batch when a density hint exists: a little more than the k / density expected to hold k
 * authorized (checks cost CPU; a short fall is topped up from candidates already fetched).
 */
export function firstBatchSize(k: number, hintDensity: number, o: PlannerOptions): number {
  return Math.min(Math.max(Math.ceil((k / Math.max(hintDensity, 1e-3)) * 1.25), k * o.probeFactor), o.postFilterBudget);
}

/**
 * A follow-up batch: `nextBatchSize`, unless the candidates already fetched (`buffered`) are expected
 * to hold the rest — then those only, since a further FTS query costs as much as the first.
 */
export function followUpSize(s: { k: number; picked: number; examined: number; authorized: number }, buffered: number): number {
  const size = nextBatchSize(s);
  if (!s.authorized) return size;
  const expected = Math.ceil(((s.k - s.picked) * s.examined) / s.authorized);
  return buffered >= expected ? Math.min(size, buffered) : size;
}

/** The density hint kept for a caller: smoothed, so one query's luck does not swing the next plan. */
export function smoothedDensity(previous: number | undefined, observed: number): number {
  return previous === undefined ? observed : previous * 0.6 + observed * 0.4;
}
