// The library's public shapes. Everything here is plain JSON (no Dates, no typed arrays except in
// getImageVectors), so events and results can cross IPC and HTTP unchanged.
import type { DeviceInfo } from '../engine/types.js';

export type IndexingPhase = 'idle' | 'scanning' | 'indexing' | 'paused' | 'done' | 'error';

export interface IndexingFailure {
  path: string;
  code: string;
  reason: string;
}

/** A progress event. Compatible with main/api/types.ts' IndexingProgress (plus a few counters). */
export interface IndexingProgress {
  phase: IndexingPhase;
  /** Photos that need work in this run (files that are not photos are not counted). */
  total: number;
  /** Photos handled so far (encoded, reused or failed). */
  done: number;
  /** Photos waiting: found but not yet decoded or encoded. */
  queued: number;
  failed: number;
  /** Images the model encoded in this run (a moved or copied photo is not re-encoded). */
  encoded: number;
  /** Files whose content was already in the library (moved, renamed, copied, or unchanged content). */
  reused: number;
  /** Photos of this run handled per second, over the run so far (`total` and `done` count photos too). */
  imagesPerSecond: number;
  /** Seconds left at the current speed; null while unknown. */
  etaSeconds: number | null;
  currentPath?: string;
  /** The most recent failures, newest last. */
  failures: IndexingFailure[];
  /** On 'done': files that left the library in this run (deleted or moved away). */
  removed?: number;
  message?: string;
}

/** Counters of one indexing run, also for benchmarks. */
export interface IndexStats {
  /** Files seen by the scan (or the watcher) in this run. */
  seen: number;
  /** Files whose content was hashed (new or changed size/mtime). */
  hashed: number;
  /** Images encoded by the model. */
  encoded: number;
  /** Calls to engine.embedImageTensors. */
  engineCalls: number;
  reused: number;
  failed: number;
  /** Non-photo files recorded as skipped. */
  skipped: number;
  /** Files removed from the library (deleted or moved away on disk). */
  removed: number;
  /** Contents dropped because no file refers to them any more. */
  orphansDropped: number;
  /** Wall time of the run, seconds. */
  seconds: number;
  /** Seconds spent inside the model (encode only): encoded / modelSeconds is the model-only throughput. */
  modelSeconds: number;
  /** Seconds spent writing each table (the share of each write in a run, see the big-library bench). */
  vectorsWriteSeconds: number;
  contentsWriteSeconds: number;
  filesWriteSeconds: number;
  /** Seconds spent compacting the tables during the run (not the run's final maintenance). */
  compactSeconds: number;
  /** Photos handled (encoded, reused or failed) per second, whole run; non-photo files not counted. */
  imagesPerSecond: number;
  /** Images encoded per second of model time. */
  modelImagesPerSecond: number;
}

/** Stats with every count at zero (a run's start, or the running totals). */
export function emptyIndexStats(seen = 0): IndexStats {
  return {
    seen,
    hashed: 0,
    encoded: 0,
    engineCalls: 0,
    reused: 0,
    failed: 0,
    skipped: 0,
    removed: 0,
    orphansDropped: 0,
    seconds: 0,
    modelSeconds: 0,
    vectorsWriteSeconds: 0,
    contentsWriteSeconds: 0,
    filesWriteSeconds: 0,
    compactSeconds: 0,
    imagesPerSecond: 0,
    modelImagesPerSecond: 0,
  };
}

export interface FolderInfo {
  path: string;
  excluded: string[];
  patterns: string[];
  /** Photos (distinct contents indexed) under the folder: identical copies count once. */
  photoCount: number;
  /** False when the folder is missing (an unplugged drive): its photos are kept, not dropped. */
  exists: boolean;
}

/** One of the library's roots (its folders as every machine sharing the library names them). */
export interface RootInfo {
  /** What `lookbook roots map` takes (8 hex digits). */
  id: string;
  /** The folder's name when it was added. */
  name: string;
  /** Where the root is on this computer; null when it is not mapped here (its photos are not shown). */
  path: string | null;
  /** Photos (distinct contents indexed) under the root, counted on whichever machine indexed them. */
  photoCount: number;
}

/** What `lookbook roots map` did. */
export interface RootMapping {
  root: RootInfo;
  /** Library files under the root looked for under the new path (a sample), and how many were there. */
  checked: number;
  found: number;
}

export interface PhotoMetadata {
  /** Pixel size after EXIF orientation. */
  width: number | null;
  height: number | null;
  /** ISO 8601; from EXIF when present, else the file's modification time (see takenAtSource). */
  takenAt: string | null;
  takenAtSource: 'exif' | 'file' | null;
  cameraMake: string | null;
  cameraModel: string | null;
  latitude: number | null;
  longitude: number | null;
  format: string | null;
  sizeBytes: number;
}

export interface Photo extends PhotoMetadata {
  contentId: string;
  /** The first path holding this content (inside the folder filter, when there is one). */
  path: string;
  /** Every path holding this content (identical copies). */
  paths: string[];
  /** Whether a thumbnail exists (see Library.thumbnailPath). */
  thumbnail: boolean;
}

export interface SearchResult extends Photo {
  /** Cosine similarity to the query (higher is closer); null when browsing without a query. */
  score: number | null;
}

export type SortOrder = 'relevance' | 'date-desc' | 'date-asc' | 'date';

export interface SearchOptions {
  folder?: string;
  /** Inclusive: photos taken at or after (ISO date or ms). */
  after?: string | number;
  /** Exclusive: photos taken before (ISO date or ms). */
  before?: string | number;
  /** Format names ('jpeg', 'png', 'heic', …). */
  formats?: string[];
  /** Photos carrying all of these tags, confirmed or suggested. */
  tags?: string[];
  /** Photos in this album (its id). */
  album?: string;
  /** 'relevance' (default), 'date-desc' / 'date' (newest first) or 'date-asc'. */
  sort?: SortOrder;
  offset?: number;
  limit?: number;
  /** No relevance cut-off: every photo, ranked. */
  all?: boolean;
}

/** A query: text (with +term/-term arithmetic), an image, a library photo, or any mix (added up). */
export interface SearchQuery {
  text?: string;
  /** A path or the bytes of an image outside (or inside) the library. */
  image?: string | Buffer;
  /** A library photo: content id or path. */
  similarTo?: string;
  /**
   * Several library photos (content ids or paths): the mean of their embeddings, renormalized ("more
   * like these"). The photos themselves are left out of the results.
   */
  similarToMany?: string[];
}

export interface SearchResponse {
  /** Every match after the cut-off (not just this page). */
  total: number;
  offset: number;
  items: SearchResult[];
  /** The model whose vectors were searched. */
  model: string;
  /** The score below which results were cut off (null with `all` or when browsing). */
  cutoff: number | null;
}

export interface LibraryStatusInfo {
  dataDir: string;
  photoCount: number;
  files: { indexed: number; failed: number; unsupported: number; skipped: number; pending: number };
  failures: IndexingFailure[];
  folders: FolderInfo[];
  model: { id: string; name: string; embedDim: number; isDemo: boolean };
  device: DeviceInfo;
  /** Contents with vectors of the active model / all contents. */
  vectors: { indexed: number; total: number };
  /** The model search uses now (the previous one while the active model's vectors are incomplete). */
  searchModel: string;
  annIndex: boolean;
  indexing: IndexingProgress;
  paused: boolean;
  watching: boolean;
  /** While watching: folders the system's watcher limit leaves unwatched, in words, with the fix. */
  watchWarning?: string;
  /** A plain statement for the demo model, shown by the CLI and the UI. */
  notice?: string;
}

/** Vector transforms (fine-tuned adapters): applied to query text vectors and to stored image vectors. */
export interface VectorTransform {
  query?(v: Float32Array): Float32Array;
  image?(v: Float32Array): Float32Array;
  /** Optional batch form of `image` (faster for many vectors). */
  images?(vs: Float32Array[]): Float32Array[];
  /**
   * For a linear image side x -> A x: the query q folded into Aᵀq, so that the raw index ranks stored
   * vectors by q·(A x) (up to each photo's norm |A x|), and only the best candidates need re-scoring.
   */
  foldQuery?(q: Float32Array): Float32Array;
}

/** The progress of a library that is not indexing. */
export function emptyProgress(): IndexingProgress {
  return {
    phase: 'idle',
    total: 0,
    done: 0,
    queued: 0,
    failed: 0,
    encoded: 0,
    reused: 0,
    imagesPerSecond: 0,
    etaSeconds: null,
    failures: [],
  };
}
