// The adaptive relevance cut-off. CLIP scores every photo against every query, so a plain nearest-
// neighbour search returns the whole library ranked; and a fixed threshold fails because the score scale
// moves with the query (a rare concept tops out at 0.22, a common one at 0.33) and with the model.
//
// Design: measure, for this query, how the library as a whole scores (a sample of its vectors), and keep
// only photos that stand out from that background:
//   1. baseline = median + K·(1.4826·MAD) of the library's scores for this query. Median and MAD (robust
//      statistics) describe the bulk of non-matching photos without being dragged up by the matches
//      themselves, as the mean and standard deviation are when matches are a large part of the library
//      (a "red" query over a library that is one third red). For a real CLIP model the bulk is roughly
//      normal, so K = 2 keeps the upper tail (a few percent) and no more.
//   2. margin: a result must also be within BETA of the way from the top score down to the median:
//      score ≥ top − BETA·(top − median). This adapts to how sharp the query is: when the top matches
//      stand far above the background, weak stragglers just over the baseline are dropped.
//   3. a flat distribution (the best score no higher than the bulk: no photo stands out, e.g. "blue" over
//      a library without anything blue) says nothing by itself: every photo is then equally relevant or
//      equally irrelevant. There, and only there, an absolute reference decides: the best similarity of a
//      generic prompt ("a photo") to the library. Above it, the whole flat set is relevant (a library of
//      nothing but blue photos, queried "blue"); below it, nothing is.
// Conditions 1 and 2 are scale-free (differences of scores relative to the query's own distribution), so
// they carry across queries and models. The best match is always kept, so a query never returns nothing
// unless the library is empty; `all: true` bypasses the cut-off entirely.

export const CUTOFF_K = 2;
export const CUTOFF_BETA = 0.75;
/** Below this gap between the best score and the median, the distribution is flat (see 3. above). */
export const FLAT_GAP = 1e-3;
export const GENERIC_PROMPT = 'a photo';

export function isFlat(stats: CutoffStats, topScore: number): boolean {
  return topScore - stats.median < FLAT_GAP;
}

export interface CutoffStats {
  median: number;
  /** 1.4826 · median absolute deviation: the standard deviation of the bulk, robustly. */
  robustStd: number;
}

function median(sorted: ArrayLike<number>): number {
  if (sorted.length === 0) return 0;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function scoreStats(scores: ArrayLike<number>): CutoffStats {
  // Typed-array sorts are numeric and several times faster than Array#sort with a comparator: this runs
  // on every search, over thousands of sampled scores.
  const sorted = Float64Array.from(scores).sort();
  const m = median(sorted);
  const deviations = sorted.map((s) => Math.abs(s - m)).sort();
  return { median: m, robustStd: 1.4826 * median(deviations) };
}

/** The score a result needs to be kept, given the background statistics and the best score. */
export function relevanceThreshold(
  stats: CutoffStats,
  topScore: number,
  options: { k?: number; beta?: number } = {},
): number {
  const k = options.k ?? CUTOFF_K;
  const beta = options.beta ?? CUTOFF_BETA;
  const baseline = stats.median + k * stats.robustStd;
  const margin = topScore - beta * (topScore - stats.median);
  // Never above the top score itself: the best match always stays.
  return Math.min(topScore, Math.max(baseline, margin));
}
