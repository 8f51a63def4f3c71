import type { ClipEngine } from '../engine/types.js';
import type { Library } from '../library/library.js';
import type { ActiveAdapterSource } from '../adapters/active-adapter.js';
import type { AdapterStore } from '../adapters/adapter-store.js';
import type { PairVectors } from './dataset-pictures.js';
import type { PairsStore } from './pairs-store.js';
import type { TextEmbeddingCache } from './text-embedding-cache.js';

/** The part of the library fine-tuning uses. */
export type TuningLibrary = Pick<
  Library,
  | 'dataDir'
  | 'engine'
  | 'store'
  | 'getPhoto'
  | 'resolvePhotos'
  | 'getImageVectors'
  | 'imageInput'
  | 'thumbnailTarget'
  | 'addFolder'
  | 'listFolders'
  | 'index'
>;

/**
 * What the parts of the tuning service (pair import, training runs, evaluation, feature export) share.
 * createTuningService builds it once, so each part receives the same stores and caches.
 */
export interface TuningContext {
  library: TuningLibrary;
  engine: ClipEngine;
  /** The library's model: pairs are trained and measured on its embeddings only. */
  modelId: string;
  pairs: PairsStore;
  /** The pairs' image vectors: library photos' and dataset pictures' (see dataset-pictures.ts). */
  vectors: PairVectors;
  /** Caption embeddings, cached in the library's database (opened on first use). */
  textCache(): Promise<TextEmbeddingCache>;
  /**
   * This model's saved adapter versions, where training writes; null when the model's id cannot name an
   * adapters folder (a model loaded by an odd path). requireAdapters() says so clearly.
   */
  adapters: AdapterStore | null;
  /** The adapter in use, shared with search and tagging: reloaded after training, activate and rollback. */
  active: ActiveAdapterSource;
}
