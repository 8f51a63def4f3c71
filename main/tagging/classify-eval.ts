import { readdir, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { ClipEngine } from '../engine/types.js';
import { UserError, describeError } from '../errors.js';
import { openImageInput } from '../media/decode.js';
import { formatFromExtension } from '../media/formats.js';
import {
  createLabelEmbeddingCache,
  type LabelEmbeddingCache,
  type TextEmbeddingTransform,
} from './label-embeddings.js';
import { labelKey, normalizeVocabulary, type Vocabulary } from './vocabulary.js';
import { resolveScoringOptions, scoreImage } from './zero-shot-scorer.js';

export interface ClassifyEvalOptions {
  /** Score against this vocabulary (it must contain every class); default: the class folders' names. */
  vocabulary?: Vocabulary;
  /** How many of the most confused pairs to report. */
  topConfusions?: number;
  transform?: TextEmbeddingTransform;
  /** Image vectors through the adapter's image side, when one is active. */
  imageTransform?: (vectors: Float32Array[]) => Float32Array[];
  cache?: LabelEmbeddingCache;
  /** Images embedded per engine call. */
  batchSize?: number;
  onProgress?: (p: { done: number; total: number }) => void;
}

export interface ClassAccuracy {
  label: string;
  images: number;
  top1: number;
  top5: number;
}

export interface ConfusedPair {
  /** The folder the images are in. */
  actual: string;
  /** What the model said instead (top 1). */
  predicted: string;
  count: number;
  /** Some of those images, relative to the evaluated folder. */
  examples: string[];
}

export interface ClassifyEvalReport {
  dir: string;
  modelId: string;
  vocabulary: string;
  classes: number;
  /** Labels scored (classes plus any extra labels of a given vocabulary). */
  labels: number;
  images: number;
  /** Fractions in 0..1 over the images that could be read. */
  top1: number;
  top5: number;
  perClass: ClassAccuracy[];
  confusedPairs: ConfusedPair[];
  failures: { path: string; reason: string }[];
  seconds: number;
}

/** Folder names as labels: "golden_retriever" means "golden retriever" (hyphens stay: "t-shirt"). */
export function classLabelFromFolder(name: string): string {
  return name.replace(/_+/g, ' ').replace(/\s+/g, ' ').trim();
}

async function listImages(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) =>
    a.name.localeCompare(b.name),
  )) {
    if (entry.name.startsWith('.')) continue;
    const p = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listImages(p)));
    else if (entry.isFile()) {
      const f = formatFromExtension(p);
      if (f !== undefined && f !== 'unsupported') out.push(p);
    }
  }
  return out;
}

/**
 * Zero-shot classification accuracy on a folder whose sub-folders are class names: each image is
 * classified among the labels (plain softmax ranking at the model's logit scale, no "none" class: every
 * image here belongs to some class), and top-1/top-5 accuracy and the most confused pairs are reported.
 * Uses the engine directly: no library, nothing written.
 */
export async function evaluateZeroShot(
  engine: ClipEngine,
  dir: string,
  options: ClassifyEvalOptions = {},
): Promise<ClassifyEvalReport> {
  const started = Date.now();
  let info;
  try {
    info = await stat(dir);
  } catch {
    throw new UserError(`${dir} does not exist.`, 'file-not-found');
  }
  if (!info.isDirectory()) throw new UserError(`${dir} is not a folder.`, 'not-a-folder');

  const classDirs = (await readdir(dir, { withFileTypes: true }))
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort();
  const classes: { folder: string; label: string; images: string[] }[] = [];
  for (const folder of classDirs) {
    const images = await listImages(join(dir, folder));
    if (images.length) classes.push({ folder, label: classLabelFromFolder(folder), images });
  }
  if (classes.length < 2) {
    throw new UserError(
      `${dir} needs at least two sub-folders with photos, one per class (found ${classes.length}).`,
      'invalid-eval-folder',
    );
  }

  let vocabulary: Vocabulary;
  const labelOfClass = new Map<string, string>();
  if (options.vocabulary) {
    vocabulary = options.vocabulary;
    const byKey = new Map<string, string>();
    for (const l of vocabulary.labels) {
      byKey.set(labelKey(l.label), l.label);
      for (const s of l.synonyms ?? []) if (!byKey.has(labelKey(s))) byKey.set(labelKey(s), l.label);
    }
    const missing: string[] = [];
    for (const c of classes) {
      const label = byKey.get(labelKey(c.label)) ?? byKey.get(labelKey(c.folder));
      if (label) labelOfClass.set(c.folder, label);
      else missing.push(c.folder);
    }
    if (missing.length) {
      throw new UserError(
        `These class folders are not labels of the vocabulary "${vocabulary.name}": ${missing.join(', ')}.`,
        'invalid-eval-folder',
      );
    }
  } else {
    vocabulary = normalizeVocabulary({ name: 'classes', labels: classes.map((c) => ({ label: c.label })) });
    for (const c of classes) labelOfClass.set(c.folder, c.label);
  }

  const cache = options.cache ?? createLabelEmbeddingCache();
  const embeddings = await cache.get(engine, vocabulary, options.transform);
  const scoring = resolveScoringOptions({
    topK: 5,
    minProbability: 0,
    minLift: 0,
    margin: -2,
    noneClass: false,
  });

  const total = classes.reduce((n, c) => n + c.images.length, 0);
  const batchSize = options.batchSize ?? 16;
  const perClass = new Map<string, ClassAccuracy>();
  const confusions = new Map<string, ConfusedPair>();
  const failures: { path: string; reason: string }[] = [];
  let images = 0;
  let top1 = 0;
  let top5 = 0;
  let done = 0;
  for (const c of classes) {
    const expected = labelOfClass.get(c.folder)!;
    const acc: ClassAccuracy = { label: expected, images: 0, top1: 0, top5: 0 };
    for (let i = 0; i < c.images.length; i += batchSize) {
      const batch = c.images.slice(i, i + batchSize);
      const inputs: { path: string; tensor: Float32Array }[] = [];
      for (const path of batch) {
        try {
          inputs.push({ path, tensor: await engine.preprocess(await openImageInput(path)) });
        } catch (e) {
          failures.push({ path: relative(dir, path), reason: describeError(e) });
        }
      }
      let vectors = inputs.length ? await engine.embedImageTensors(inputs.map((x) => x.tensor)) : [];
      if (options.imageTransform && vectors.length) vectors = options.imageTransform(vectors);
      vectors.forEach((vector, j) => {
        const ranked = scoreImage(vector, embeddings, scoring, engine.model.logitScale).ranked;
        const keys = ranked.slice(0, 5).map((r) => labelKey(r.label));
        const hit1 = keys[0] === labelKey(expected);
        const hit5 = keys.includes(labelKey(expected));
        images++;
        acc.images++;
        top1 += Number(hit1);
        acc.top1 += Number(hit1);
        top5 += Number(hit5);
        acc.top5 += Number(hit5);
        if (!hit1) {
          const predicted = ranked[0]!.label;
          const key = `${expected}\u001f${predicted}`;
          const pair = confusions.get(key) ?? { actual: expected, predicted, count: 0, examples: [] };
          pair.count++;
          if (pair.examples.length < 3) pair.examples.push(relative(dir, inputs[j]!.path));
          confusions.set(key, pair);
        }
      });
      done += batch.length;
      options.onProgress?.({ done, total });
    }
    const prev = perClass.get(expected);
    if (prev) {
      prev.images += acc.images;
      prev.top1 += acc.top1;
      prev.top5 += acc.top5;
    } else perClass.set(expected, acc);
  }
  if (images === 0)
    throw new UserError(`None of the photos under ${dir} could be read.`, 'invalid-eval-folder');

  return {
    dir,
    modelId: engine.model.id,
    vocabulary: vocabulary.name,
    classes: classes.length,
    labels: vocabulary.labels.length,
    images,
    top1: top1 / images,
    top5: top5 / images,
    perClass: [...perClass.values()].map((c) => ({
      label: c.label,
      images: c.images,
      top1: c.images ? c.top1 / c.images : 0,
      top5: c.images ? c.top5 / c.images : 0,
    })),
    confusedPairs: [...confusions.values()]
      .sort((a, b) => b.count - a.count || a.actual.localeCompare(b.actual))
      .slice(0, options.topConfusions ?? 10),
    failures,
    seconds: (Date.now() - started) / 1000,
  };
}
