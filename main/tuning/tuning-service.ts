// Fine-tuning over a library: labelled pairs from captions, confirmed tags, TSV files and class folders;
// training on the library's stored image vectors in a worker; versioned adapters that search, similar and
// tagging pick up without re-encoding a photo; evaluation and feature export for any dataset.
//
// The service is put together here from one part per concern, all sharing one TuningContext
// (tuning-context.ts):
//   pair-import.ts        TSV and class-folder datasets, their images kept as training data
//   dataset-pictures.ts   the pairs' image vectors: library photos' and dataset pictures'
//   tag-pairs.ts          confirmed tags as pairs, read through a TagSource
//   training-run.ts       a training run in a worker (train.ts), saved as the next adapter version
//   evaluation.ts         Recall@K of a TSV dataset, with any adapter
//   feature-export.ts     embeddings of a dataset or the library, as TSV or Arrow
// with two helpers they share: adapter-choice.ts (which adapter a report or activation means) and
// dataset-embedding.ts (datasets embedded straight from their files).
//
// [Note: adapters at search time] The adapter is applied on the fly, never baked into a vector table:
// the library keeps only raw vectors, search maps the query text through the adapter's text side and
// re-scores the raw index's candidates through its image side (main/search/searcher.ts), and tagging maps
// its label embeddings and the stored vectors the same way (main/tagging/tagging-service.ts). So
// activating, changing alpha or rolling back is instant and exact (rollback gives back the very same
// scores), and a new photo needs nothing beyond its raw vector. Search, tagging and this service are
// handed one ActiveAdapterSource (main/adapters/active-adapter.ts); the service reloads it after training
// activates a version, activate and rollback, and the others follow.
import { UserError, describeError } from '../errors.js';
import type { ActiveAdapterSource } from '../adapters/active-adapter.js';
import { createAdapterStore, type AdapterStore, type AdapterVersion } from '../adapters/adapter-store.js';
import { chooseAdapter, requireAdapters, type AdapterChoice } from './adapter-choice.js';
import { evaluateTsv, type EvalReport } from './evaluation.js';
import { exportFeatures, type ExportFeaturesOptions, type ExportReport } from './feature-export.js';
import { createPairVectors } from './dataset-pictures.js';
import { createPairImport, type ImportOptions, type ImportReport } from './pair-import.js';
import {
  countPairs,
  openPairsStore,
  type Pair,
  type PairCounts,
  type PairFilter,
  type PairsStore,
  type PairsStoreOptions,
} from './pairs-store.js';
import { addPairsFromTags, type TagSource } from './tag-pairs.js';
import { openTextEmbeddingCache, type TextEmbeddingCache } from './text-embedding-cache.js';
import { createTrainingRuns, type TuneOptions, type TuneResult } from './training-run.js';
import type { TuningContext, TuningLibrary } from './tuning-context.js';
import type { ResolvedPhotos } from '../library/photos.js';

export interface TuningService {
  readonly pairs: PairsStore;
  /** Null when the model's id cannot name an adapters folder (a model loaded by an odd path). */
  readonly adapters: AdapterStore | null;
  /** A caption for a library photo (content id or path). */
  addCaption(photo: string, text: string): Promise<Pair>;
  /**
   * The same caption on many photos (content ids or paths), one pair each, in one write. Photos not in
   * the library are skipped and returned; none in the library at all is an error.
   */
  addCaptionMany(
    photos: readonly string[],
    text: string,
  ): Promise<{ inserted: number; existing: number; failures: ResolvedPhotos['failures'] }>;
  /** Pairs from confirmed tags: each (photo, tag) becomes (photo, template filled with the tag). */
  addPairsFromTags(options?: {
    template?: string;
    labels?: string[];
  }): Promise<{ imported: number; existing: number }>;
  /**
   * A `text<TAB>base64 image` file: images kept as a dataset (training data, not library photos unless
   * `intoLibrary`), pairs stored; bad lines reported.
   */
  importTsv(path: string, options?: ImportOptions): Promise<ImportReport>;
  /** A folder-per-class dataset (`dir/<class>/*.jpg`), texts from the template. */
  importFolder(dir: string, options?: ImportOptions): Promise<ImportReport>;
  /** TSV file or folder, by what the path is. */
  importPath(path: string, options?: ImportOptions): Promise<ImportReport>;
  listPairs(filter?: PairFilter & { limit?: number; offset?: number }): Promise<Pair[]>;
  removePairs(ids: string[]): Promise<number>;
  /** How the pairs are used (pairSets): what `pairs list`, `tune` and the app all count. */
  counts(): Promise<PairCounts>;
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

export interface TuningServiceOptions {
  /** The adapter in use, shared with search and tagging; reloaded after training, activate and rollback. */
  adapter: ActiveAdapterSource;
  /** Confirmed tags, for addPairsFromTags. */
  tags: TagSource;
  pairs?: PairsStoreOptions;
}

export async function createTuningService(
  library: TuningLibrary,
  options: TuningServiceOptions,
): Promise<TuningService> {
  const engine = library.engine;
  const modelId = engine.model.id;
  const pairs = await openPairsStore(library.store, options.pairs);
  let adapters: AdapterStore | null = null;
  try {
    adapters = createAdapterStore(library.dataDir, modelId);
  } catch {
    // A model loaded by a path whose name cannot be a folder name: fine-tuning says so when asked.
  }
  let texts: TextEmbeddingCache | undefined;
  const ctx: TuningContext = {
    library,
    engine,
    modelId,
    pairs,
    vectors: createPairVectors(library),
    textCache: async () => (texts ??= await openTextEmbeddingCache(library.store, engine)),
    adapters,
    active: options.adapter,
  };
  const datasets = createPairImport(ctx);
  const runs = createTrainingRuns(ctx);

  return {
    pairs,
    adapters,
    get training() {
      return runs.running;
    },
    async addCaptionMany(photos, text) {
      if (!text.trim()) throw new UserError('the caption is empty', 'empty-text');
      const { contentIds, failures } = await library.resolvePhotos(photos);
      if (contentIds.length === 0)
        throw new UserError('None of these photos is in the library any more.', 'photo-not-found');
      const added = await pairs.add(contentIds.map((contentId) => ({ contentId, text, source: 'caption' })));
      return { ...added, failures };
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
    addPairsFromTags: (opts) => addPairsFromTags(options.tags, pairs, opts),
    importTsv: datasets.importTsv,
    importFolder: datasets.importFolder,
    importPath: datasets.importPath,
    listPairs: (filter) => pairs.list(filter),
    async removePairs(ids) {
      return ids.length ? pairs.remove({ ids }) : 0;
    },
    counts: async () => countPairs(await pairs.list()),
    train: runs.train,
    listAdapters: async () => (adapters ? adapters.list() : []),
    async activate(version, opts = {}) {
      const store = requireAdapters(ctx);
      // A missing version or one trained for another model is refused before anything changes.
      if (version !== null) await chooseAdapter(ctx, version);
      if (opts.alpha !== undefined && !(opts.alpha >= 0 && opts.alpha <= 1))
        throw new UserError(`alpha must be between 0 and 1, got ${opts.alpha}`, 'bad-alpha');
      try {
        await store.activate(version, opts);
      } catch (e) {
        throw new UserError(describeError(e), 'adapter-not-found');
      }
      await options.adapter.reload();
    },
    async rollback() {
      const store = requireAdapters(ctx);
      let version: number | null;
      try {
        version = await store.rollback();
      } catch (e) {
        throw new UserError(describeError(e), 'nothing-to-roll-back');
      }
      await options.adapter.reload();
      return version;
    },
    evaluateTsv: (path, opts) => evaluateTsv(ctx, path, opts),
    exportFeatures: (opts) => exportFeatures(ctx, opts),
  };
}
