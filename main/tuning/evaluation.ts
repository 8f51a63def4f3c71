import { resolve } from 'node:path';
import { UserError } from '../errors.js';
import { chooseAdapter, throughAdapter, type AdapterChoice } from './adapter-choice.js';
import { embedTsv, type SkippedItem } from './dataset-embedding.js';
import {
  describeBasis,
  fewPairsWarning,
  MIN_PAIRS,
  onePerTextAndPhoto,
  recallFromEmbeddings,
  vectorKey,
} from './recall.js';
import type { TuningContext } from './tuning-context.js';

export interface EvalReport {
  dataset: string;
  model: string;
  /** 'none' or 'v3'. */
  adapter: string;
  alpha: number | null;
  /** Pairs measured: one per distinct caption and photo, as training counts them (onePerTextAndPhoto). */
  pairs: number;
  /** Good pairs of the file left out of the measure because they repeat a caption or photo. */
  repeats: number;
  /** What the figures were measured on, and a warning when that is few pairs, in the app's words. */
  measuredOn: string;
  skipped: SkippedItem[];
  textToImage: Record<number, number>;
  imageToText: Record<number, number>;
  mean: number;
}

/**
 * Recall@K in both directions for a TSV dataset, embedded from the file (the library is untouched), with
 * the adapter in use by default, or a version, or none.
 */
export async function evaluateTsv(
  ctx: TuningContext,
  path: string,
  options: { adapter?: AdapterChoice } = {},
): Promise<EvalReport> {
  // By default the adapter in use; zero-shot for a model that cannot have adapters.
  const { name, adapter } = await chooseAdapter(ctx, options.adapter ?? (ctx.adapters ? 'active' : 'none'));
  const data = await embedTsv(ctx.engine, await ctx.textCache(), path);
  // Repeated captions or photos are counted once, the first of each, exactly as training measures its
  // held-out pairs: with "a red dress" on three photos only one could count as right, and the figure
  // would mostly measure the repeats (a dataset of 25 captions on 100 photos scored 4% here and 100% in
  // the app for the same adapter).
  const kept = onePerTextAndPhoto(
    data.texts.map((_, i) => i),
    (i) => data.texts[i]!,
    (i) => vectorKey(data.image[i]!),
  );
  if (kept.length < MIN_PAIRS)
    throw new UserError(
      `${path}: need at least ${MIN_PAIRS} pairs with distinct captions and photos to measure recall, found ${kept.length}`,
      'not-enough-pairs',
    );
  const r = recallFromEmbeddings(
    throughAdapter(
      adapter,
      kept.map((i) => data.text[i]!),
      'text',
    ),
    throughAdapter(
      adapter,
      kept.map((i) => data.image[i]!),
      'image',
    ),
  );
  const basis = { pairs: kept.length, on: 'dataset' as const };
  const warning = fewPairsWarning(basis);
  return {
    dataset: resolve(path),
    model: ctx.modelId,
    adapter: name,
    alpha: adapter ? adapter.alpha : null,
    pairs: kept.length,
    repeats: data.image.length - kept.length,
    measuredOn: `${describeBasis(basis)}${warning ? ` (${warning})` : ''}`,
    skipped: data.skipped,
    textToImage: r.textToImage,
    imageToText: r.imageToText,
    mean: r.mean,
  };
}
