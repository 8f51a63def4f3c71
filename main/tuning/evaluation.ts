import { resolve } from 'node:path';
import { UserError } from '../errors.js';
import { chooseAdapter, throughAdapter, type AdapterChoice } from './adapter-choice.js';
import { embedTsv, type SkippedItem } from './dataset-embedding.js';
import { MIN_PAIRS, recallFromEmbeddings } from './recall.js';
import type { TuningContext } from './tuning-context.js';

export interface EvalReport {
  dataset: string;
  model: string;
  /** 'none' or 'v3'. */
  adapter: string;
  alpha: number | null;
  pairs: number;
  skipped: SkippedItem[];
  /** Texts that occur more than once: with 1:1 recall, only their own image counts as right. */
  duplicateTexts: number;
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
  if (data.image.length < MIN_PAIRS)
    throw new UserError(
      `${path}: need at least ${MIN_PAIRS} good pairs to measure recall, found ${data.image.length}`,
      'not-enough-pairs',
    );
  const r = recallFromEmbeddings(
    throughAdapter(adapter, data.text, 'text'),
    throughAdapter(adapter, data.image, 'image'),
  );
  const counts = new Map<string, number>();
  for (const t of data.texts) counts.set(t, (counts.get(t) ?? 0) + 1);
  return {
    dataset: resolve(path),
    model: ctx.modelId,
    adapter: name,
    alpha: adapter ? adapter.alpha : null,
    pairs: data.image.length,
    skipped: data.skipped,
    duplicateTexts: [...counts.values()].filter((c) => c > 1).length,
    textToImage: r.textToImage,
    imageToText: r.imageToText,
    mean: r.mean,
  };
}
