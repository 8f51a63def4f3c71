import { UserError } from '../errors.js';
import type { LabelEmbeddings } from './label-embeddings.js';
import { DEFAULT_MIN_PROBABILITY } from './scoring-defaults.js';

/** How labels are chosen for a photo. Every field has a default; all are user settings. */
export interface ScoringOptions {
  /** At most this many labels per photo. */
  topK: number;
  /** A label needs at least this softmax probability. */
  minProbability: number;
  /**
   * A label also needs this many times the probability of chance (1 / the number of classes). When no
   * label matches, the softmax is close to uniform and its small differences are noise; in a small
   * vocabulary (11 colours) chance alone is near minProbability, so this is what keeps such a photo
   * untagged. With hundreds of labels minProbability is the stricter of the two.
   */
  minLift: number;
  /**
   * A label's cosine similarity must exceed the generic prompt's ("a photo.") by at least this much.
   * 0 means "more like this label than like any photo"; raise it for fewer, surer tags.
   */
  margin: number;
  /**
   * Whether the generic prompt joins the softmax as a "none of these" class: then a photo that matches
   * no label puts its probability there, and the labels' probabilities stay low.
   */
  noneClass: boolean;
  /** The softmax temperature; defaults to the model's learned logit scale. */
  logitScale?: number;
}

export const DEFAULT_SCORING: Readonly<ScoringOptions> = Object.freeze({
  topK: 5,
  minProbability: DEFAULT_MIN_PROBABILITY,
  minLift: 2,
  margin: 0,
  noneClass: true,
});

export interface LabelScore {
  label: string;
  /** Softmax probability over the vocabulary (plus "none" when enabled): the stored tag score. */
  probability: number;
  /** Raw cosine similarity to the label's ensemble embedding. */
  similarity: number;
  /** similarity − the generic prompt's similarity. */
  margin: number;
}

export interface ScoredImage {
  /** Every label, most probable first (for evaluation and "why not this tag"). */
  ranked: LabelScore[];
  /** The labels that pass top-k, minimum probability and margin: the suggestions. */
  selected: LabelScore[];
  /** Probability left on the "none" class (0 when noneClass is off). */
  noneProbability: number;
}

export function resolveScoringOptions(partial: Partial<ScoringOptions> | undefined): ScoringOptions {
  const o = { ...DEFAULT_SCORING, ...stripUndefined(partial ?? {}) };
  if (!Number.isInteger(o.topK) || o.topK < 1)
    throw new UserError('top-k must be a whole number ≥ 1.', 'invalid-option');
  if (!(o.minProbability >= 0 && o.minProbability <= 1)) {
    throw new UserError('The minimum probability must be between 0 and 1.', 'invalid-option');
  }
  if (!(o.minLift >= 0)) throw new UserError('The minimum lift must be 0 or more.', 'invalid-option');
  if (!(o.margin >= -2 && o.margin <= 2))
    throw new UserError('The margin must be between -2 and 2.', 'invalid-option');
  if (o.logitScale !== undefined && !(o.logitScale > 0)) {
    throw new UserError('The logit scale must be positive.', 'invalid-option');
  }
  return o;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/**
 * Zero-shot multi-label scoring of one image embedding against a vocabulary: softmax at the model's
 * logit scale over the labels (and the generic "none" class), then top-k, minimum probability (and lift
 * over chance) and the margin over the generic prompt.
 */
export function scoreImage(
  image: Float32Array,
  embeddings: LabelEmbeddings,
  options: ScoringOptions,
  modelLogitScale = 100,
): ScoredImage {
  if (image.length !== embeddings.generic.length) {
    throw new UserError(
      `The photo's vector has ${image.length} dimensions but the model's text vectors have ${embeddings.generic.length}: index the folder again with this model.`,
      'dimension-mismatch',
    );
  }
  const scale = options.logitScale ?? modelLogitScale;
  const sims = embeddings.vectors.map((v) => dot(image, v));
  const generic = dot(image, embeddings.generic);
  const logits = options.noneClass ? [...sims, generic] : sims;
  const max = Math.max(...logits);
  const exps = logits.map((s) => Math.exp(scale * (s - max)));
  const total = exps.reduce((a, b) => a + b, 0);
  const ranked: LabelScore[] = sims
    .map((similarity, i) => ({
      label: embeddings.labels[i]!,
      probability: exps[i]! / total,
      similarity,
      margin: similarity - generic,
    }))
    .sort((a, b) => b.probability - a.probability);
  const floor = Math.max(options.minProbability, options.minLift / logits.length);
  const selected = ranked
    .slice(0, options.topK)
    .filter((s) => s.probability >= floor && s.margin >= options.margin);
  return { ranked, selected, noneProbability: options.noneClass ? exps[exps.length - 1]! / total : 0 };
}
