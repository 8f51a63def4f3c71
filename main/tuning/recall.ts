import { matmulABt } from '../adapters/linalg.js';

import type { AdapterMetrics, RecallAtK, RecallReport } from '../adapters/adapter.js';

export type { RecallAtK, RecallReport };

export const DEFAULT_KS: readonly number[] = [1, 5, 10];

/**
 * The fewest pairs anything can be learned or measured from: recall ranks a pair's match against the
 * other pairs, and the contrastive loss learns from the other pairs of a batch. Training, evaluation and
 * batch sizes all check against this one number.
 */
export const MIN_PAIRS = 2;

/**
 * Below this many pairs a recall figure is rough (one pair moves Recall@1 by 5 points or more), and every
 * place that shows one says so.
 */
export const FEW_PAIRS_FOR_RECALL = 20;

/** What a recall figure was measured on. */
export interface RecallBasis {
  /** Pairs measured (after repeats were set aside). */
  pairs: number;
  /** 'held-out': pairs kept out of training; 'training': the training pairs; 'dataset': a file. */
  on: 'held-out' | 'training' | 'dataset';
}

/** What a saved adapter's figures were measured on (older files did not record the count measured). */
export function metricsBasis(m: AdapterMetrics): RecallBasis {
  const held = m.evaluatedOn === 'val';
  return { pairs: m.measuredPairs ?? (held ? m.valPairs : m.trainPairs), on: held ? 'held-out' : 'training' };
}

const percent = (x: number) => `${Math.round(x * 1000) / 10}%`;

/** "on 5 held-out pairs": what a figure was measured on, in the words both the CLI and the app use. */
export function describeBasis(basis: RecallBasis): string {
  const noun = basis.pairs === 1 ? 'pair' : 'pairs';
  const kind = basis.on === 'held-out' ? ' held-out' : basis.on === 'training' ? ' training' : '';
  return `on ${basis.pairs}${kind} ${noun}`;
}

/** A warning for a figure measured on fewer than FEW_PAIRS_FOR_RECALL pairs; undefined otherwise. */
export function fewPairsWarning(basis: RecallBasis): string | undefined {
  return basis.pairs < FEW_PAIRS_FOR_RECALL
    ? `fewer than ${FEW_PAIRS_FOR_RECALL} pairs: a rough figure, one pair more or less moves it a lot`
    : undefined;
}

/** "Recall@1 40% → 100% on 5 held-out pairs", with the warning when there are few pairs. */
export function describeRecall(r1: { before?: number; after: number }, basis: RecallBasis): string {
  const figure = r1.before === undefined ? percent(r1.after) : `${percent(r1.before)} → ${percent(r1.after)}`;
  const warning = fewPairsWarning(basis);
  return `Recall@1 ${figure} ${describeBasis(basis)}${warning ? ` (${warning})` : ''}`;
}

/**
 * One pair per distinct text and per distinct photo, the first of each winning: recall over 1:1 pairs
 * needs them, since with "a red dress" on three photos only one of them could count as right and the
 * score would say nothing. Training's held-out set, its fallback on training pairs and `eval` all count
 * repeats this way, so their figures can be compared.
 */
export function onePerTextAndPhoto<T>(
  items: readonly T[],
  text: (item: T) => string,
  photo: (item: T) => string,
): T[] {
  const seenText = new Set<string>();
  const seenPhoto = new Set<string>();
  return items.filter((item) => {
    const t = text(item);
    const p = photo(item);
    if (seenText.has(t) || seenPhoto.has(p)) return false;
    seenText.add(t);
    seenPhoto.add(p);
    return true;
  });
}

/** A key for a vector's exact values (a photo whose id is not known, identified by its embedding). */
export function vectorKey(v: Float32Array): string {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
}

/**
 * Recall@K over a 1:1 paired set from its n×n similarity matrix (rows = texts, columns = images, row
 * major): pair i's text should retrieve image i and image i should retrieve text i.
 *
 * Ties count pessimistically: a query's rank is the number of OTHER candidates scoring at least as high
 * as the right answer, and it is a hit at K only if that number is below K. So a degenerate model that
 * gives every candidate the same score gets recall 0, never a flattering 1. A NaN score is a miss.
 */
export function recallAtK(
  similarity: Float32Array,
  n: number,
  ks: readonly number[] = DEFAULT_KS,
): RecallReport {
  if (similarity.length < n * n)
    throw new Error(`recallAtK: expected ${n}×${n} similarities, got ${similarity.length}`);
  const t2i = new Int32Array(n);
  const i2t = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    t2i[i] = rankOf(similarity, i * n, 1, n, i);
    i2t[i] = rankOf(similarity, i, n, n, i);
  }
  return summarize(t2i, i2t, ks);
}

/**
 * The same report straight from paired embeddings (unit vectors, same length), without storing the n×n
 * matrix: similarities are computed one block of texts at a time and both directions' ranks are counted
 * from the same block, so memory stays O(block × n) and the products are computed once.
 */
export function recallFromEmbeddings(
  texts: readonly Float32Array[],
  images: readonly Float32Array[],
  ks: readonly number[] = DEFAULT_KS,
  blockSize = 256,
): RecallReport {
  const n = texts.length;
  if (images.length !== n) throw new Error(`recall: ${n} texts but ${images.length} images`);
  if (n === 0) return summarize(new Int32Array(0), new Int32Array(0), ks);
  const d = texts[0]!.length;
  const t = pack(texts, d);
  const im = pack(images, d);
  // The right answers' scores, summed in the same order as the kernel so ties compare exactly.
  const diag = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let p = 0; p < d; p++) s += t[i * d + p]! * im[i * d + p]!;
    diag[i] = s;
  }
  const t2i = new Int32Array(n);
  const i2t = new Int32Array(n);
  const nanDiag = new Uint8Array(n);
  for (let i = 0; i < n; i++) nanDiag[i] = Number.isNaN(diag[i]!) ? 1 : 0;
  const buf = new Float32Array(blockSize * n);
  for (let r0 = 0; r0 < n; r0 += blockSize) {
    const rows = Math.min(blockSize, n - r0);
    const sim = matmulABt(t.subarray(r0 * d, (r0 + rows) * d), im, rows, n, d, buf);
    for (let r = 0; r < rows; r++) {
      const q = r0 + r;
      const own = diag[q]!;
      let above = 0;
      for (let c = 0; c < n; c++) {
        if (c === q) continue;
        const v = sim[r * n + c]!;
        if (v >= own) above++;
        if (v >= diag[c]!) i2t[c]!++;
      }
      t2i[q] = nanDiag[q] ? n : above;
    }
  }
  for (let i = 0; i < n; i++) if (nanDiag[i]) i2t[i] = n;
  return summarize(t2i, i2t, ks);
}

function pack(vectors: readonly Float32Array[], d: number): Float32Array {
  const out = new Float32Array(vectors.length * d);
  vectors.forEach((v, i) => {
    if (v.length !== d) throw new Error(`recall: vector ${i} has ${v.length} dimensions, expected ${d}`);
    out.set(v, i * d);
  });
  return out;
}

/** Number of candidates other than `right` scoring >= the right one (n when the right score is NaN). */
function rankOf(s: Float32Array, start: number, stride: number, n: number, right: number): number {
  const target = s[start + right * stride]!;
  if (Number.isNaN(target)) return n;
  let above = 0;
  for (let j = 0; j < n; j++) if (j !== right && s[start + j * stride]! >= target) above++;
  return above;
}

function summarize(t2i: Int32Array, i2t: Int32Array, ks: readonly number[]): RecallReport {
  const n = t2i.length;
  const at = (ranks: Int32Array): RecallAtK => {
    const out: RecallAtK = {};
    for (const k of ks) {
      let hits = 0;
      for (let i = 0; i < n; i++) if (ranks[i]! < k) hits++;
      out[k] = n === 0 ? 0 : hits / n;
    }
    return out;
  };
  const textToImage = at(t2i);
  const imageToText = at(i2t);
  const all = [...Object.values(textToImage), ...Object.values(imageToText)];
  const mean = all.length === 0 ? 0 : all.reduce((a, b) => a + b, 0) / all.length;
  return { textToImage, imageToText, mean };
}
