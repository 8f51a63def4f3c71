// Fine-tuning over a library: labelled pairs from captions, confirmed tags, TSV files and class folders;
// training on the library's stored image vectors in a worker; versioned adapters that search, similar and
// tagging pick up without re-encoding a photo; evaluation and feature export for any dataset.
//
// [Note: adapters at search time] The adapter is applied on the fly, never baked into a vector table:
// the library keeps only raw vectors, search maps the query text through the adapter's text side and
// re-scores the raw index's candidates through its image side (main/search/searcher.ts), and tagging maps
// its label embeddings and the stored vectors the same way (main/tagging/tagging-service.ts). So
// activating, changing alpha or rolling back is instant and exact (rollback gives back the very same
// scores), and a new photo needs nothing beyond its raw vector. Both read the active choice from the
// adapter store; `library.reloadAdapter()` makes an open library re-read it.
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync, statSync } from 'node:fs';
import { basename, extname, join, relative, resolve, sep } from 'node:path';
import { UserError, describeError } from '../errors.js';
import type { Library } from '../library/library.js';
import { contentIdOfBytes } from '../media/content-id.js';
import { sniffFormat, type PhotoFormat } from '../media/formats.js';
import { createTagStore } from '../tagging/tag-store.js';
import { fillTemplate } from '../tagging/prompt-templates.js';
import { applyAdapter, type Adapter } from '../adapters/adapter.js';
import { createAdapterStore, type AdapterStore, type AdapterVersion } from '../adapters/adapter-store.js';
import { writeFeaturesArrow, writeFeaturesTsv, type FeatureRow } from './feature-export.js';
import { DEFAULT_CLASS_TEMPLATE, readFolderDataset } from './folder-dataset.js';
import {
  openPairsStore,
  type NewPair,
  type Pair,
  type PairFilter,
  type PairSource,
  type PairsStore,
  type PairsStoreOptions,
} from './pairs-store.js';
import { recallFromEmbeddings, type RecallReport } from './recall.js';
import { openTextEmbeddingCache, type TextEmbeddingCache } from './text-embedding-cache.js';
import { runTrainingInWorker } from './train-in-worker.js';
import type { EpochRecord, TrainingPairs, TrainProgress } from './train.js';
import { readTsvPairs } from './tsv-dataset.js';

/** The part of the library fine-tuning uses. */
export type TuningLibrary = Pick<
  Library,
  | 'dataDir'
  | 'engine'
  | 'store'
  | 'getPhoto'
  | 'getImageVectors'
  | 'addFolder'
  | 'listFolders'
  | 'index'
  | 'reloadAdapter'
>;

/** A line (TSV) or file (folder dataset) that was not imported, and why. */
export interface SkippedItem {
  line?: number;
  path?: string;
  reason: string;
}

export interface ImportReport {
  dataset: string;
  /** Where the images were copied: a folder of the library. */
  folder: string;
  /** Pairs added to the pairs table (new ones). */
  imported: number;
  /** Good pairs that were already stored. */
  existing: number;
  skipped: SkippedItem[];
}

export type TunePhase = 'preparing' | 'training' | 'saving';

export interface TuneProgress {
  phase: TunePhase;
  epoch: number;
  epochs: number;
  step: number;
  stepsPerEpoch: number;
  /** Mean training loss of the epoch so far; null before the first batch. */
  loss: number | null;
  /** After each epoch: recall on the held-out pairs. */
  recall?: RecallReport;
  message?: string;
}

export interface TuneOptions {
  epochs?: number;
  lr?: number;
  batchSize?: number;
  weightDecay?: number;
  patience?: number;
  seed?: number;
  /** WiSE-FT alpha stored with the adapter (0 = zero-shot … 1 = fine-tuned). Default 1. */
  alpha?: number;
  /** Train the image side too (default true); false keeps search's image side exactly the raw index. */
  trainImage?: boolean;
  trainText?: boolean;
  /** Make the new version the one in use. Default false. */
  activate?: boolean;
  onProgress?: (p: TuneProgress) => void;
  signal?: AbortSignal;
}

export interface TuneResult {
  version: number;
  activated: boolean;
  before: RecallReport;
  after: RecallReport;
  /** 'val': held-out pairs; 'train': there were too few held-out pairs to measure on. */
  evaluatedOn: 'val' | 'train';
  trainPairs: number;
  /** Held-out pairs used for recall (one per distinct text and photo). */
  valPairs: number;
  /** Pairs left out because their photo has no vector yet (still being indexed, or failed). */
  notIndexed: number;
  bestEpoch: number;
  stoppedEarly: boolean;
  history: EpochRecord[];
  seconds: number;
}

/** Which adapter to evaluate or export with: the one in use, a version, or none (zero-shot). */
export type AdapterChoice = 'active' | 'none' | number;

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

export type FeatureSource =
  { from: 'tsv'; path: string } | { from: 'folder'; path: string } | { from: 'library' };

export interface ExportFeaturesOptions {
  source: FeatureSource;
  kind?: 'text' | 'image' | 'both';
  /** Map through the adapter (default: raw embeddings). */
  adapted?: boolean;
  adapter?: AdapterChoice;
  /** `.tsv` or `.arrow` (also `.feather`, `.ipc`). */
  out: string;
  /** Folder datasets: the text template. */
  template?: string;
}

export interface ExportReport {
  path: string;
  format: 'tsv' | 'arrow';
  rows: number;
  dim: number;
  adapter: string;
  skipped: SkippedItem[];
}

export interface TuningService {
  readonly pairs: PairsStore;
  /** Null when the model's id cannot name an adapters folder (a model loaded by an odd path). */
  readonly adapters: AdapterStore | null;
  /** A caption for a library photo (content id or path). */
  addCaption(photo: string, text: string): Promise<Pair>;
  /** Pairs from confirmed tags: each (photo, tag) becomes (photo, template filled with the tag). */
  addPairsFromTags(options?: {
    template?: string;
    labels?: string[];
  }): Promise<{ imported: number; existing: number }>;
  /** A `text<TAB>base64 image` file: images copied into the library, pairs stored; bad lines reported. */
  importTsv(path: string, options?: { name?: string }): Promise<ImportReport>;
  /** A folder-per-class dataset (`dir/<class>/*.jpg`), texts from the template. */
  importFolder(dir: string, options?: { name?: string; template?: string }): Promise<ImportReport>;
  /** TSV file or folder, by what the path is. */
  importPath(path: string, options?: { name?: string; template?: string }): Promise<ImportReport>;
  listPairs(filter?: PairFilter & { limit?: number; offset?: number }): Promise<Pair[]>;
  removePairs(ids: string[]): Promise<number>;
  counts(): Promise<{ total: number; train: number; val: number; photos: number }>;
  /** Trains a new adapter version on the stored pairs; one run at a time. */
  train(options?: TuneOptions): Promise<TuneResult>;
  readonly training: boolean;
  listAdapters(): Promise<AdapterVersion[]>;
  /** Makes a version (or none) the one in use, with an optional WiSE-FT alpha; search follows at once. */
  activate(version: number | null, options?: { alpha?: number }): Promise<void>;
  /** Back to the previous choice (version and alpha); returns it, null = none. */
  rollback(): Promise<number | null>;
  evaluateTsv(path: string, options?: { adapter?: AdapterChoice }): Promise<EvalReport>;
  exportFeatures(options: ExportFeaturesOptions): Promise<ExportReport>;
}

export const IMPORTED_FOLDER = 'imported';
/** Tags become texts through this template by default: the first of the tagging prompt ensemble. */
export const DEFAULT_TAG_TEMPLATE = 'a photo of a {}.';

const EXTENSIONS: Partial<Record<PhotoFormat, string>> = {
  jpeg: 'jpg',
  png: 'png',
  webp: 'webp',
  avif: 'avif',
  gif: 'gif',
  tiff: 'tif',
  heic: 'heic',
  bmp: 'bmp',
  pnm: 'ppm',
};
const IMAGE_BATCH = 32;

export async function createTuningService(
  library: TuningLibrary,
  options: { pairs?: PairsStoreOptions } = {},
): Promise<TuningService> {
  const dataDir = library.dataDir;
  const engine = library.engine;
  const modelId = engine.model.id;
  const pairs = await openPairsStore(library.store, options.pairs);
  let adapters: AdapterStore | null = null;
  try {
    adapters = createAdapterStore(dataDir, modelId);
  } catch {
    // A model loaded by a path whose name cannot be a folder name: fine-tuning says so when asked.
  }
  let texts: TextEmbeddingCache | undefined;
  const textCache = async () => (texts ??= await openTextEmbeddingCache(library.store, engine));
  let running: string | undefined;

  const requireAdapters = (): AdapterStore => {
    if (!adapters)
      throw new UserError(`fine-tuning is not available for the model "${modelId}"`, 'tuning-unavailable');
    return adapters;
  };

  async function adapterFor(choice: AdapterChoice): Promise<{ name: string; adapter: Adapter | null }> {
    if (choice === 'none') return { name: 'none', adapter: null };
    const store = requireAdapters();
    if (choice === 'active') {
      const active = await store.active();
      return active
        ? { name: `v${active.version}`, adapter: active.adapter }
        : { name: 'none', adapter: null };
    }
    let adapter: Adapter;
    try {
      adapter = await store.load(choice);
    } catch (e) {
      throw new UserError(describeError(e), 'adapter-not-found');
    }
    return { name: `v${choice}`, adapter };
  }

  function checkAdapter(adapter: Adapter | null): void {
    if (adapter && (adapter.modelId !== modelId || adapter.dim !== engine.model.embedDim)) {
      throw new UserError(
        `that adapter was trained for ${adapter.modelId} (${adapter.dim} dimensions), not ${modelId}`,
        'adapter-mismatch',
      );
    }
  }

  const mapped = (adapter: Adapter | null, vectors: Float32Array[], side: 'image' | 'text') =>
    adapter ? applyAdapter(adapter, vectors, side) : vectors;

  /** Makes `<dataDir>/imported` a library folder (once) and returns the dataset's folder inside it. */
  async function datasetFolder(name: string): Promise<string> {
    const root = join(dataDir, IMPORTED_FOLDER);
    const dir = join(root, name);
    await mkdir(dir, { recursive: true });
    const folders = await library.listFolders();
    const covered = folders.some(
      (f) => root === f.path || root.startsWith(f.path.endsWith(sep) ? f.path : `${f.path}${sep}`),
    );
    if (!covered) {
      try {
        await library.addFolder(root);
      } catch (e) {
        // Already included through a folder that contains the data directory: indexed all the same.
        if (!(e instanceof UserError && e.code === 'folder-already-added')) throw e;
      }
    }
    return dir;
  }

  /** Writes one image into the dataset folder under its content id (once) and returns that id. */
  async function storeImage(
    dir: string,
    bytes: Buffer,
  ): Promise<{ contentId: string; path: string } | string> {
    const sniffed = sniffFormat(bytes.subarray(0, 64));
    const ext = sniffed.kind === 'format' ? EXTENSIONS[sniffed.format] : undefined;
    if (!ext) return 'not an image format the library reads';
    const contentId = contentIdOfBytes(bytes);
    const path = join(dir, `${contentId}.${ext}`);
    if (!existsSync(path)) await writeFile(path, bytes);
    return { contentId, path };
  }

  /** Indexes the copied images, then stores the pairs whose photo got a vector. */
  async function finishImport(
    name: string,
    dir: string,
    items: {
      where: Omit<SkippedItem, 'reason'>;
      contentId: string;
      path: string;
      text: string;
      source: PairSource;
    }[],
    skipped: SkippedItem[],
  ): Promise<ImportReport> {
    if (items.length > 0) await library.index();
    const vectors = await library.getImageVectors([...new Set(items.map((i) => i.contentId))]);
    const good: NewPair[] = [];
    for (const item of items) {
      if (vectors.has(item.contentId)) {
        good.push({ contentId: item.contentId, text: item.text, source: item.source });
        continue;
      }
      const row = await library.store.getFile(item.path);
      skipped.push({
        ...item.where,
        reason: `the library could not index the image: ${row?.reason ?? 'not indexed'}`,
      });
    }
    let imported = 0;
    let existing = 0;
    for (let i = 0; i < good.length; i += 1000) {
      const r = await pairs.add(good.slice(i, i + 1000));
      imported += r.inserted;
      existing += r.existing;
    }
    skipped.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.path ?? '').localeCompare(b.path ?? ''));
    return { dataset: name, folder: dir, imported, existing, skipped };
  }

  async function importTsv(path: string, opts: { name?: string } = {}): Promise<ImportReport> {
    const file = resolve(path);
    if (!existsSync(file)) throw new UserError(`${file} does not exist`, 'file-not-found');
    const name = datasetName(opts.name ?? basename(file, extname(file)));
    const dir = await datasetFolder(name);
    const items: Parameters<typeof finishImport>[2] = [];
    const skipped: SkippedItem[] = [];
    for await (const record of readTsvPairs(file)) {
      if (!record.ok) {
        skipped.push({ line: record.line, reason: record.reason });
        continue;
      }
      const stored = await storeImage(dir, record.image);
      if (typeof stored === 'string') skipped.push({ line: record.line, reason: stored });
      else items.push({ where: { line: record.line }, ...stored, text: record.text, source: 'tsv' });
    }
    return finishImport(name, dir, items, skipped);
  }

  async function importFolder(path: string, opts: { name?: string; template?: string } = {}) {
    const root = resolve(path);
    const name = datasetName(opts.name ?? basename(root));
    const dir = await datasetFolder(name);
    const items: Parameters<typeof finishImport>[2] = [];
    const skipped: SkippedItem[] = [];
    for await (const record of readFolderDataset(root, {
      template: opts.template ?? DEFAULT_CLASS_TEMPLATE,
    })) {
      if (!record.ok) {
        skipped.push({ path: record.path, reason: record.reason });
        continue;
      }
      const stored = await storeImage(dir, await readFile(record.path));
      if (typeof stored === 'string') skipped.push({ path: record.path, reason: stored });
      else items.push({ where: { path: record.path }, ...stored, text: record.text, source: 'folder' });
    }
    return finishImport(name, dir, items, skipped);
  }

  /** Training and held-out sets from the stored pairs, with their vectors. */
  async function gather(): Promise<{
    train: TrainingPairs;
    val: TrainingPairs;
    notIndexed: number;
  }> {
    const all = await pairs.list();
    const vectors = await library.getImageVectors([...new Set(all.map((p) => p.contentId))]);
    const usable = all.filter((p) => vectors.has(p.contentId));
    const trainPairs = usable.filter((p) => p.split === 'train');
    // Recall over 1:1 pairs needs distinct texts and distinct photos: with "a red dress" on three photos,
    // only one of them would count as right and the score would say nothing. Keep one pair per text and
    // per photo (by pair id, so the choice is stable); the rest of the held-out pairs are not used at all.
    const seenText = new Set<string>();
    const seenPhoto = new Set<string>();
    const valPairs = usable
      .filter((p) => p.split === 'val')
      .sort((a, b) => a.id.localeCompare(b.id))
      .filter((p) => {
        if (seenText.has(p.text) || seenPhoto.has(p.contentId)) return false;
        seenText.add(p.text);
        seenPhoto.add(p.contentId);
        return true;
      });
    const cache = await textCache();
    const build = async (list: Pair[]): Promise<TrainingPairs> => ({
      image: list.map((p) => vectors.get(p.contentId)!),
      text: await cache.embed(list.map((p) => p.text)),
    });
    return {
      train: await build(trainPairs),
      val: await build(valPairs),
      notIndexed: all.length - usable.length,
    };
  }

  async function train(opts: TuneOptions = {}): Promise<TuneResult> {
    const store = requireAdapters();
    if (running) throw new UserError('training is already running', 'training-running');
    const runId = randomUUID();
    running = runId;
    const started = performance.now();
    try {
      const epochs = opts.epochs ?? 20;
      const report = (p: Partial<TuneProgress> & { phase: TunePhase }) =>
        opts.onProgress?.({ epoch: 0, epochs, step: 0, stepsPerEpoch: 0, loss: null, ...p });
      report({ phase: 'preparing', message: 'gathering pairs and embedding captions' });
      const { train: trainSet, val, notIndexed } = await gather();
      if (trainSet.image.length < 2) {
        throw new UserError(
          notIndexed > 0
            ? `fine-tuning needs at least 2 training pairs with indexed photos; ${notIndexed} pairs are waiting for their photos to be indexed`
            : 'fine-tuning needs at least 2 training pairs: add captions with `lookbook pairs add` or import a dataset',
          'not-enough-pairs',
        );
      }
      // Fewer than 2 held-out pairs cannot rank anything: measure on (deduplicated) training pairs instead.
      const heldOut = val.image.length >= 2;
      const evalSet = heldOut ? val : distinctPairs(trainSet);
      const n = trainSet.image.length;
      // Small sets get smaller batches, so an epoch is several steps rather than one.
      const batchSize = opts.batchSize ?? Math.min(256, Math.max(8, Math.ceil(n / 4)));
      const result = await runTrainingInWorker({
        train: trainSet,
        val: evalSet,
        modelId,
        epochs,
        batchSize,
        ...(opts.lr !== undefined ? { lr: opts.lr } : {}),
        ...(opts.weightDecay !== undefined ? { weightDecay: opts.weightDecay } : {}),
        ...(opts.patience !== undefined ? { patience: opts.patience } : {}),
        ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
        ...(opts.alpha !== undefined ? { alpha: opts.alpha } : {}),
        ...(opts.trainImage !== undefined ? { trainImage: opts.trainImage } : {}),
        ...(opts.trainText !== undefined ? { trainText: opts.trainText } : {}),
        ...(opts.signal ? { signal: opts.signal } : {}),
        onProgress: (p: TrainProgress) =>
          report({
            phase: 'training',
            epoch: p.epoch,
            epochs: p.epochs,
            step: p.step,
            stepsPerEpoch: p.stepsPerEpoch,
            loss: p.loss,
            ...(p.recall ? { recall: p.recall } : {}),
          }),
      });
      report({ phase: 'saving', epoch: result.history.length });
      const adapter = result.adapter;
      if (adapter.metrics) {
        adapter.metrics.valPairs = heldOut ? val.image.length : 0;
        adapter.metrics.evaluatedOn = heldOut ? 'val' : 'train';
      }
      const version = await store.save(adapter, { activate: opts.activate ?? false });
      if (opts.activate) await library.reloadAdapter();
      return {
        version,
        activated: opts.activate ?? false,
        before: result.before,
        after: result.after,
        evaluatedOn: heldOut ? 'val' : 'train',
        trainPairs: n,
        valPairs: heldOut ? val.image.length : 0,
        notIndexed,
        bestEpoch: result.bestEpoch,
        stoppedEarly: result.stoppedEarly,
        history: result.history,
        seconds: (performance.now() - started) / 1000,
      };
    } finally {
      running = undefined;
    }
  }

  /** Reads a TSV's good lines and embeds both sides with the engine (nothing is added to the library). */
  async function embedTsv(path: string): Promise<{
    ids: number[];
    texts: string[];
    image: Float32Array[];
    text: Float32Array[];
    skipped: SkippedItem[];
  }> {
    const file = resolve(path);
    if (!existsSync(file)) throw new UserError(`${file} does not exist`, 'file-not-found');
    const ids: number[] = [];
    const textList: string[] = [];
    const image: Float32Array[] = [];
    const skipped: SkippedItem[] = [];
    let batch: { line: number; text: string; image: Buffer }[] = [];
    const flush = async () => {
      const vectors = await embedImagesTolerant(batch.map((b) => b.image));
      batch.forEach((b, i) => {
        const v = vectors[i]!;
        if (typeof v === 'string') skipped.push({ line: b.line, reason: v });
        else {
          ids.push(b.line);
          textList.push(b.text);
          image.push(v);
        }
      });
      batch = [];
    };
    for await (const record of readTsvPairs(file)) {
      if (!record.ok) skipped.push({ line: record.line, reason: record.reason });
      else {
        batch.push(record);
        if (batch.length === IMAGE_BATCH) await flush();
      }
    }
    if (batch.length) await flush();
    const text = await (await textCache()).embed(textList);
    return { ids, texts: textList, image, text, skipped };
  }

  /** Embeds a batch; when the batch fails, one at a time, so one bad image costs only itself. */
  async function embedImagesTolerant(inputs: (Buffer | string)[]): Promise<(Float32Array | string)[]> {
    if (inputs.length === 0) return [];
    try {
      return await engine.embedImages(inputs);
    } catch {
      const out: (Float32Array | string)[] = [];
      for (const input of inputs) {
        try {
          out.push((await engine.embedImages([input]))[0]!);
        } catch (e) {
          out.push(`image cannot be encoded: ${describeError(e)}`);
        }
      }
      return out;
    }
  }

  async function evaluateTsv(path: string, opts: { adapter?: AdapterChoice } = {}): Promise<EvalReport> {
    const { name, adapter } = await adapterFor(opts.adapter ?? (adapters ? 'active' : 'none'));
    checkAdapter(adapter);
    const data = await embedTsv(path);
    if (data.image.length < 2)
      throw new UserError(
        `${path}: need at least 2 good pairs to measure recall, found ${data.image.length}`,
        'not-enough-pairs',
      );
    const r = recallFromEmbeddings(mapped(adapter, data.text, 'text'), mapped(adapter, data.image, 'image'));
    const counts = new Map<string, number>();
    for (const t of data.texts) counts.set(t, (counts.get(t) ?? 0) + 1);
    return {
      dataset: resolve(path),
      model: modelId,
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

  async function exportFeatures(opts: ExportFeaturesOptions): Promise<ExportReport> {
    const kind = opts.kind ?? 'image';
    const out = resolve(opts.out);
    const ext = extname(out).toLowerCase();
    const format =
      ext === '.tsv' ? 'tsv' : ['.arrow', '.feather', '.ipc'].includes(ext) ? 'arrow' : undefined;
    if (!format) throw new UserError(`--out must end in .tsv or .arrow, got ${out}`, 'bad-output');
    const { name, adapter } = opts.adapted
      ? await adapterFor(opts.adapter ?? 'active')
      : { name: 'none', adapter: null };
    checkAdapter(adapter);
    const rows: FeatureRow[] = [];
    const skipped: SkippedItem[] = [];
    const push = (prefix: string, ids: string[], vectors: Float32Array[], side: 'image' | 'text') => {
      const vs = mapped(adapter, vectors, side);
      ids.forEach((id, i) => rows.push({ id: kind === 'both' ? `${prefix}${id}` : id, vector: vs[i]! }));
    };
    const src = opts.source;
    if (src.from === 'tsv') {
      const data = await embedTsv(src.path);
      skipped.push(...data.skipped);
      const ids = data.ids.map(String);
      if (kind !== 'text') push('image:', ids, data.image, 'image');
      if (kind !== 'image') push('text:', ids, data.text, 'text');
    } else if (src.from === 'folder') {
      const root = resolve(src.path);
      const good: { id: string; path: string; text: string }[] = [];
      for await (const r of readFolderDataset(root, { template: opts.template ?? DEFAULT_CLASS_TEMPLATE })) {
        if (r.ok) good.push({ id: relative(root, r.path).split('\\').join('/'), path: r.path, text: r.text });
        else skipped.push({ path: r.path, reason: r.reason });
      }
      const images: { id: string; v: Float32Array }[] = [];
      const texts: { id: string; text: string }[] = [];
      for (let i = 0; i < good.length; i += IMAGE_BATCH) {
        const chunk = good.slice(i, i + IMAGE_BATCH);
        const vs =
          kind === 'text' ? chunk.map(() => null) : await embedImagesTolerant(chunk.map((g) => g.path));
        chunk.forEach((g, j) => {
          const v = vs[j];
          if (typeof v === 'string') skipped.push({ path: g.path, reason: v });
          else {
            if (v) images.push({ id: g.id, v });
            texts.push({ id: g.id, text: g.text });
          }
        });
      }
      if (kind !== 'text')
        push(
          'image:',
          images.map((x) => x.id),
          images.map((x) => x.v),
          'image',
        );
      if (kind !== 'image') {
        const vs = await (await textCache()).embed(texts.map((t) => t.text));
        push(
          'text:',
          texts.map((t) => t.id),
          vs,
          'text',
        );
      }
    } else {
      if (kind !== 'text') {
        const all = await library.store.scanVectors(modelId);
        all.sort((a, b) => a.contentId.localeCompare(b.contentId));
        push(
          'image:',
          all.map((r) => r.contentId),
          all.map((r) => r.vector),
          'image',
        );
      }
      if (kind !== 'image') {
        const list = await pairs.list();
        const vs = await (await textCache()).embed(list.map((p) => p.text));
        push(
          'text:',
          list.map((p) => p.id),
          vs,
          'text',
        );
      }
    }
    const dim = engine.model.embedDim;
    const count =
      format === 'tsv' ? await writeFeaturesTsv(out, rows, dim) : await writeFeaturesArrow(out, rows, dim);
    return { path: out, format, rows: count, dim, adapter: name, skipped };
  }

  return {
    pairs,
    adapters,
    get training() {
      return running !== undefined;
    },
    async addCaption(photo, text) {
      if (!text.trim()) throw new UserError('the caption is empty', 'empty-text');
      const p = await library.getPhoto(photo);
      if (!p)
        throw new UserError(
          `${photo} is not a photo in the library (index its folder first)`,
          'photo-not-found',
        );
      await pairs.add([{ contentId: p.contentId, text, source: 'caption' }]);
      const [pair] = await pairs
        .list({ contentId: p.contentId })
        .then((l) => l.filter((x) => x.text === text.trim()));
      return pair!;
    },
    async addPairsFromTags(opts = {}) {
      const template = opts.template ?? DEFAULT_TAG_TEMPLATE;
      const tags = createTagStore(library.store);
      const labels =
        opts.labels ??
        (await tags.counts({ states: ['confirmed'] })).filter((c) => c.confirmed > 0).map((c) => c.label);
      const fill = (label: string) =>
        template.includes('{}') ? fillTemplate(template, label) : template.replaceAll('{tag}', label);
      const list: NewPair[] = [];
      for (const label of labels) {
        for (const contentId of await tags.contentIdsWithTags([label], ['confirmed'])) {
          list.push({ contentId, text: fill(label), source: 'tag' });
        }
      }
      const r = list.length ? await pairs.add(list) : { inserted: 0, existing: 0 };
      return { imported: r.inserted, existing: r.existing };
    },
    importTsv,
    importFolder,
    async importPath(path, opts = {}) {
      const abs = resolve(path);
      if (!existsSync(abs)) throw new UserError(`${abs} does not exist`, 'file-not-found');
      return statSync(abs).isDirectory() ? importFolder(abs, opts) : importTsv(abs, opts);
    },
    listPairs: (filter) => pairs.list(filter),
    async removePairs(ids) {
      return ids.length ? pairs.remove({ ids }) : 0;
    },
    async counts() {
      const all = await pairs.list();
      return {
        total: all.length,
        train: all.filter((p) => p.split === 'train').length,
        val: all.filter((p) => p.split === 'val').length,
        photos: new Set(all.map((p) => p.contentId)).size,
      };
    },
    train,
    listAdapters: async () => (adapters ? adapters.list() : []),
    async activate(version, opts = {}) {
      const store = requireAdapters();
      if (version !== null) {
        const { adapter } = await adapterFor(version);
        checkAdapter(adapter);
      }
      if (opts.alpha !== undefined && !(opts.alpha >= 0 && opts.alpha <= 1))
        throw new UserError(`alpha must be between 0 and 1, got ${opts.alpha}`, 'bad-alpha');
      try {
        await store.activate(version, opts);
      } catch (e) {
        throw new UserError(describeError(e), 'adapter-not-found');
      }
      await library.reloadAdapter();
    },
    async rollback() {
      const store = requireAdapters();
      let version: number | null;
      try {
        version = await store.rollback();
      } catch (e) {
        throw new UserError(describeError(e), 'nothing-to-roll-back');
      }
      await library.reloadAdapter();
      return version;
    },
    evaluateTsv,
    exportFeatures,
  };
}

/** A dataset's folder name: letters, digits, dot, dash and underscore. */
function datasetName(raw: string): string {
  const name = raw.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[-.]+|-+$/g, '');
  return name || 'dataset';
}

/** One pair per distinct text and per distinct image (first wins): a well-defined 1:1 recall set. */
function distinctPairs(set: TrainingPairs): TrainingPairs {
  const key = (v: Float32Array) => Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
  const seenI = new Set<string>();
  const seenT = new Set<string>();
  const out: TrainingPairs = { image: [], text: [] };
  set.image.forEach((img, i) => {
    const ki = key(img);
    const kt = key(set.text[i]!);
    if (seenI.has(ki) || seenT.has(kt)) return;
    seenI.add(ki);
    seenT.add(kt);
    out.image.push(img);
    out.text.push(set.text[i]!);
  });
  return out;
}
