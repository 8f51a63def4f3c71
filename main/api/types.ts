// [Note: one API, two transports] The one typed API between Lookbook's core and its UI. Requests,
// responses and events are defined here, ONCE; everything else is derived from these two maps:
//   - `LookbookClient` (what the renderer calls), whichever transport carries it,
//   - `ApiHandlers` (what main/api/core-api.ts implements),
//   - the validators in main/api/validate.ts (a mapped type forces one per method),
//   - the HTTP routes (main/server/) and the Electron IPC bridge (electron/preload.cts, electron/ipc.ts).
// Adding a method here without implementing and validating it is a type error, so they cannot drift.
//
// This file is imported by the renderer (DOM, no Node): types only, plus a few plain constants and pure
// functions that the CLI and the app must share so they say the same thing.
import type { DeviceInfo } from '../engine/device.js';
import type { NoResultsReason } from '../search/no-results-reason.js';

// Sizes, written one way in the CLI and the app (see the note in main/format-bytes.ts).
export { formatBytes } from '../format-bytes.js';

// ---------------------------------------------------------------- shared shapes

// Defined once by the engine, which owns devices (main/engine/device.ts); re-exported, types only.
export type { DeviceRequest, ExecutionProvider } from '../engine/device.js';
export { deviceName } from '../engine/device.js';
// Why a search found nothing: worded once by the core (main/search/no-results.ts).
export type { NoResultsReason } from '../search/no-results-reason.js';
// How sure a tag suggestion must be by default: the core's value, which the Tagging view starts from.
export { DEFAULT_MIN_PROBABILITY } from '../tagging/scoring-defaults.js';

/** Which device runs the model, and why it is not the one asked for, in words a person understands. */
export type DeviceView = DeviceInfo;

export interface ModelView {
  id: string;
  name: string;
  embedDim: number;
  /** The generated colour-only demo model: the UI says so plainly. */
  isDemo: boolean;
}

export interface FolderView {
  path: string;
  photoCount: number;
  /** Sub-paths (absolute) the user excluded from this folder. */
  excluded: string[];
  /** False when the folder is gone (unplugged drive, renamed): shown, not silently dropped. */
  exists: boolean;
}

/** One folder of the web mode's folder browser ('folders.browse'): only folders, never files. */
export interface FolderListing {
  /** The folder listed (absolute). */
  path: string;
  /** The folder above, or null at the top (a drive's root; the system's folders are never opened). */
  parent: string | null;
  folders: Array<{ name: string; path: string }>;
  /** It holds more sub-folders than are listed. */
  truncated: boolean;
  /** Where to start: the home folder, Pictures, the mounted drives. */
  places: Array<{ label: string; path: string }>;
}

export interface IndexingFailure {
  path: string;
  reason: string;
}

export type IndexingPhase = 'idle' | 'scanning' | 'indexing' | 'paused' | 'done' | 'error';

export interface IndexingProgress {
  phase: IndexingPhase;
  /** Files found that need work in this run. */
  total: number;
  /** Files handled so far in this run (indexed + skipped + failed). */
  done: number;
  failed: number;
  imagesPerSecond: number;
  /** Seconds left at the current speed; null while unknown. */
  etaSeconds: number | null;
  currentPath?: string;
  /** The most recent failures, newest last, with reasons. */
  failures: IndexingFailure[];
  message?: string;
}

/** Where the library's tables (the index) live, for the Library view's setting. */
export interface StoreView {
  /** Where they are now: the data directory's own folder, a shared folder, or an object storage URI. */
  current: string;
  kind: 'local' | 'folder' | 'object-storage';
  /** The `store` setting: what the next start uses unless LOOKBOOK_STORE or --store names another. */
  setting: string | null;
  /** LOOKBOOK_STORE or --store chose the current place (the setting is then not what is used). */
  overridden: boolean;
}

export interface LibraryStatus {
  photoCount: number;
  folders: FolderView[];
  model: ModelView | null;
  device: DeviceView | null;
  indexing: IndexingProgress;
  /** Files that could not be read (from any run, still failing), with reasons. */
  failures: IndexingFailure[];
  paused: boolean;
  /** Some folders are not watched for changes (the system's limit): why, and how to fix it. */
  watchWarning?: string;
  dataDir: string;
}

export interface PhotoSummary {
  id: string;
  contentId: string;
  path: string;
  name: string;
  folder: string;
  format: string;
  width: number | null;
  height: number | null;
  /** ISO date the photo was taken (EXIF) or else the file's modification time. */
  takenAt: string | null;
  /** Similarity to the query, when the list is a search result. */
  score?: number;
}

export type TagStatus = 'suggested' | 'confirmed' | 'rejected' | 'manual';

export interface PhotoTag {
  tag: string;
  score: number | null;
  status: TagStatus;
}

export interface PhotoDetails extends PhotoSummary {
  sizeBytes: number | null;
  modifiedAt: string | null;
  camera: string | null;
  /** Other metadata worth showing (lens, exposure, GPS…), already formatted. */
  metadata: Record<string, string | number | null>;
  tags: PhotoTag[];
  captions: string[];
}

export type SortOrder = 'relevance' | 'date-desc' | 'date-asc';

export interface SearchFilters {
  folder?: string;
  /** Inclusive ISO dates (YYYY-MM-DD or full ISO). */
  from?: string;
  to?: string;
  /** Photos carrying all of these (confirmed or suggested above threshold) tags. */
  tags?: string[];
  /** Lower-case extensions or format names: 'jpeg', 'png', 'heic'… */
  formats?: string[];
  /** Only photos in this album (its id). */
  album?: string;
}

export interface SearchRequest {
  /** Natural-language query. Empty with no image: browse the library (filters and sort still apply). */
  query?: string;
  /** Search by an indexed photo ("similar"). */
  similarTo?: string;
  /** Search by several indexed photos at once: their mean embedding ("similar to the selection"). */
  similarToMany?: string[];
  /** Search by an image that is not in the library: base64 of its bytes (drag and drop). */
  imageBase64?: string;
  filters?: SearchFilters;
  sort?: SortOrder;
  offset?: number;
  limit?: number;
}

export interface SearchResponse {
  /** All matches (relevance cut-off applied), not just this page. */
  total: number;
  offset: number;
  items: PhotoSummary[];
  /** When nothing was found: why (no folders, still indexing, filters, unknown words), in plain words. */
  emptyReasons?: NoResultsReason[];
}

export interface SearchFacets {
  folders: string[];
  formats: string[];
  tags: Array<{ tag: string; count: number }>;
}

// ---------------------------------------------------------------- tagging

export interface VocabularyView {
  id: string;
  name: string;
  labels: string[];
  builtIn: boolean;
  /** The vocabulary tagging uses when none is chosen (the CLI's default too: one rule, in the core). */
  isDefault: boolean;
  /** Why the active model cannot score these labels meaningfully; shown before a run. */
  warning?: string;
}

/** A tagging run that can be undone in one action. */
export interface TaggingRunView {
  runId: string;
  vocabulary: string;
  /** ISO date and time. */
  startedAt: string;
  photos: number;
  suggested: number;
}

export interface TagFacet {
  tag: string;
  count: number;
  confirmed: number;
  rejected: number;
}

export interface TaggingProgress {
  runId: string;
  phase: 'running' | 'done' | 'error' | 'cancelled';
  total: number;
  done: number;
  tagsAdded: number;
  message?: string;
}

// ---------------------------------------------------------------- tuning

export interface PairView {
  id: string;
  photoId: string;
  contentId: string;
  text: string;
  createdAt: string;
}

export interface PairsOverview {
  total: number;
  photos: number;
  /** Pairs trained on (the training split). */
  train: number;
  /** Held-out pairs recall is measured on (one per distinct caption and photo). */
  measured: number;
  /** "159 pairs: 154 to train on, 5 held out to measure recall": the CLI's `pairs list` words. */
  summary: string;
  recent: PairView[];
  /** How many training pairs training needs at least; the UI says how many are missing. */
  minimumForTraining: number;
  /** Whether a new adapter is put to use after training: the core's one rule, in words. */
  activationRule: string;
}

export interface RecallAtK {
  r1: number;
  r5: number;
  r10: number;
}

export interface TrainingProgress {
  runId: string;
  phase: 'preparing' | 'training' | 'evaluating' | 'done' | 'error' | 'cancelled';
  epoch: number;
  epochs: number;
  loss: number | null;
  /** Validation Recall@1 after this epoch (text → image), 0..1. */
  valRecall: number | null;
  /** What valRecall is measured on: "on 5 held-out pairs" (set from the first epoch on). */
  measuredOn?: string;
  /** Set on the report that ends an epoch: the loss chart's points. */
  epochEnd?: boolean;
  before?: RecallAtK;
  after?: RecallAtK;
  /** With before/after: "Recall@1 40% → 100% on 5 held-out pairs (fewer than 20 pairs: …)". */
  recallNote?: string;
  adapterId?: string;
  /** With adapterId: whether the new adapter is in use (the rule in PairsOverview.activationRule). */
  activated?: boolean;
  message?: string;
}

export interface AdapterView {
  /** "v3": what adapters.activate takes. */
  id: string;
  /** "v3 (2026-12-03 15:40)": the name the CLI's `adapters list` shows too. */
  name: string;
  createdAt: string;
  /** Pairs it was trained on. */
  pairs: number;
  epochs: number;
  before: RecallAtK | null;
  after: RecallAtK | null;
  /** "Recall@1 40% → 100% on 5 held-out pairs", with a warning under 20 pairs; null without metrics. */
  recallNote: string | null;
  active: boolean;
}

// ---------------------------------------------------------------- models

export interface CatalogueModel {
  id: string;
  name: string;
  description: string;
  sizeBytes: number | null;
  embedDim: number | null;
  installed: boolean;
  active: boolean;
  isDemo: boolean;
  /** A faster copy Lookbook made of another model (`lookbook models quantize`). */
  converted?: {
    from: string;
    precision: 'int8' | 'fp16';
    /** The lowest cosine between the copy's and the original's embeddings of the check's samples. */
    agreement: number;
  };
  /**
   * The faster copy Lookbook can make of this installed model for the device in use now: int8 on a
   * processor, fp16 on a graphics card. Absent for the demo model and for copies.
   */
  fasterVersion?: { id: string; precision: 'int8' | 'fp16'; installed: boolean };
}

/** Making a faster copy of a model ('models.makeFaster'), step by step. */
export interface ConversionProgress {
  /** The model being copied. */
  modelId: string;
  /** The copy's id. */
  targetId: string;
  phase: 'working' | 'done' | 'error';
  step: number;
  total: number;
  /** What is happening, or why it failed, in plain words. */
  message: string;
  /** When done: the lowest agreement with the original (cosine). */
  agreement?: number;
}

export interface DownloadProgress {
  modelId: string;
  phase: 'downloading' | 'verifying' | 'done' | 'error' | 'cancelled';
  receivedBytes: number;
  totalBytes: number | null;
  message?: string;
}

// ---------------------------------------------------------------- organizing: timeline, selection, albums, review

/** One month of the timeline: 'YYYY-MM' (in the photo's local date), or 'undated' (last). */
export interface TimelineMonth {
  month: string;
  count: number;
}

/** The whole library's shape for the Photos view, newest month first: enough to lay out 100,000 photos. */
export interface TimelineSummary {
  total: number;
  months: TimelineMonth[];
}

/** What a bulk action did: photos changed, and photos it left alone (with why, when it matters). */
export interface BulkResult {
  changed: number;
  skipped: number;
  /** Photos that could not be acted on, with the reason (a photo that left the library, …). */
  failures: IndexingFailure[];
}

/** A smart album's saved query: text and/or a photo to look like, and search filters. */
export interface SmartQuery {
  query?: string;
  /** A library photo the results should look like (its id when saved; kept by content). */
  similarTo?: string;
  filters?: SearchFilters;
}

export interface AlbumView {
  id: string;
  name: string;
  kind: 'manual' | 'smart';
  /** Photos in it now (a smart album: what its query matches now). */
  count: number;
  /** The photo shown for the album (set by the user, else its first photo); null when empty. */
  cover: PhotoSummary | null;
  /** Smart albums only. */
  smart?: SmartQuery;
  createdAt: string;
  updatedAt: string;
}

export interface AlbumExportResult {
  destination: string;
  /** Each original copied, and the name it got (collisions get " (2)", " (3)"…; nothing is overwritten). */
  copied: Array<{ from: string; to: string }>;
  failures: IndexingFailure[];
}

export interface XmpExportResult {
  written: number;
  failures: IndexingFailure[];
}

/** One label's place in the review queue. */
export interface ReviewLabel {
  tag: string;
  /** Suggestions still waiting for a yes or no. */
  pending: number;
  /** Suggestions already confirmed or rejected. */
  reviewed: number;
}

export interface ReviewPage {
  tag: string;
  pending: number;
  reviewed: number;
  /** Pending suggestions, most confident first; `score` is the suggestion's confidence (0..1). */
  items: PhotoSummary[];
}

// ---------------------------------------------------------------- duplicates and the trash

/** How alike two photos must be to count as copies of one another. */
export type DuplicateStrictness = 'strict' | 'normal' | 'loose';

/** One copy in a group of duplicates, with what the keeper rules look at. */
export interface DuplicateCopy extends PhotoSummary {
  sizeBytes: number;
  /** Has an EXIF date (not just a file time), GPS, a camera. */
  hasExifDate: boolean;
  hasGps: boolean;
  hasCamera: boolean;
  /** How alike it is to the keeper (1 = same content); null for the keeper itself. */
  similarity: number | null;
}

export interface DuplicateGroup {
  /** Stable while the group's photos do not change (a hash of its content ids). */
  id: string;
  /** 'exact': one content at several paths; 'similar': photos whose pictures are near copies. */
  kind: 'exact' | 'similar';
  /** The keeper first (the rules' choice, or the user's when overridden), then the others. */
  copies: DuplicateCopy[];
  keeperId: string;
  /** Why that one is kept, in words ("kept: 4000×3000, has EXIF date; the others are smaller re-encodes"). */
  reason: string;
  /** Bytes freed if the others go to the trash. */
  savingBytes: number;
}

export interface DuplicatesRequest {
  folder?: string;
  album?: string;
  strictness?: DuplicateStrictness;
  offset?: number;
  limit?: number;
}

export interface DuplicatesPage {
  /** All groups found (largest savings first), not just this page. */
  total: number;
  totalSavingBytes: number;
  offset: number;
  groups: DuplicateGroup[];
}

/** What moved where when duplicates were resolved; undone as one. */
export interface Resolution {
  id: string;
  createdAt: string;
  moved: Array<{ from: string; to: string }>;
  /** Groups left alone, with why (files changed or vanished since they were found, …). */
  skipped: IndexingFailure[];
  /** False once undone, or when the trash no longer holds its files. */
  undoable: boolean;
}

export interface TrashItem {
  /** Where the file was (where Restore puts it back). */
  originalPath: string;
  trashedAt: string;
  sizeBytes: number;
  resolutionId: string | null;
}

// ---------------------------------------------------------------- the API

/**
 * Every request the core answers: method name → request and response. Requests are plain JSON
 * objects (validated at the boundary by main/api/validate.ts); responses are plain JSON.
 */
export interface ApiMethods {
  'library.status': { request: Record<string, never>; response: LibraryStatus };
  'folders.add': { request: { path: string }; response: FolderView[] };
  'folders.remove': { request: { path: string }; response: FolderView[] };
  'folders.exclude': { request: { folder: string; path: string }; response: FolderView[] };
  /** The web mode's folder browser: a folder's sub-folders (the home folder when no path is given). */
  'folders.browse': { request: { path?: string; showHidden?: boolean }; response: FolderListing };
  'indexing.start': { request: Record<string, never>; response: IndexingProgress };
  'indexing.pause': { request: Record<string, never>; response: IndexingProgress };
  'indexing.resume': { request: Record<string, never>; response: IndexingProgress };
  'search.query': { request: SearchRequest; response: SearchResponse };
  'search.facets': { request: Record<string, never>; response: SearchFacets };
  'store.get': { request: Record<string, never>; response: StoreView };
  /** Saves the `store` setting (null: the data directory's own); it applies at the next start. */
  'store.set': { request: { store: string | null }; response: StoreView };
  'photos.get': { request: { id: string }; response: PhotoDetails };
  'tags.add': { request: { photoId: string; tag: string }; response: PhotoTag[] };
  'tags.confirm': { request: { photoId: string; tag: string }; response: PhotoTag[] };
  'tags.reject': { request: { photoId: string; tag: string }; response: PhotoTag[] };
  'tags.facets': { request: Record<string, never>; response: TagFacet[] };
  'vocabularies.list': { request: Record<string, never>; response: VocabularyView[] };
  'vocabularies.save': { request: { id?: string; name: string; labels: string[] }; response: VocabularyView };
  'vocabularies.import': { request: { name: string; text: string }; response: VocabularyView };
  'tagging.autoTag': {
    /** `anyway`: run even when the vocabulary has a warning (VocabularyView.warning); else it is refused. */
    request: { folder?: string; vocabularyId: string; threshold?: number; anyway?: boolean };
    response: { runId: string };
  };
  /** The newest tagging run, if it can be undone. */
  'tagging.lastRun': { request: Record<string, never>; response: TaggingRunView | null };
  /** Undoes the newest tagging run (`runId`, when given, must be it): its suggestions go, reviews stay. */
  'tagging.undo': {
    request: { runId?: string };
    response: TaggingRunView & { removed: number; restored: number };
  };
  'pairs.overview': { request: Record<string, never>; response: PairsOverview };
  'pairs.add': { request: { photoId: string; text: string }; response: PairsOverview };
  'pairs.remove': { request: { id: string }; response: PairsOverview };
  'training.start': { request: { epochs?: number }; response: { runId: string } };
  'training.cancel': { request: { runId: string }; response: { cancelled: boolean } };
  'adapters.list': { request: Record<string, never>; response: AdapterView[] };
  'adapters.activate': { request: { id: string }; response: AdapterView[] };
  'adapters.rollback': { request: Record<string, never>; response: AdapterView[] };
  'models.catalogue': { request: Record<string, never>; response: CatalogueModel[] };
  'models.download': { request: { id: string }; response: { started: boolean } };
  'models.activate': { request: { id: string }; response: CatalogueModel[] };
  // Organizing (the Photos view, selections, albums, the review queue).
  'photos.timeline': { request: { filters?: SearchFilters }; response: TimelineSummary };
  /** Every photo of one month of the timeline, newest first (with width, height and takenAt). */
  'photos.month': { request: { month: string; filters?: SearchFilters }; response: PhotoSummary[] };
  'tags.addMany': { request: { photoIds: string[]; tag: string }; response: BulkResult };
  /**
   * Confirm the photos' suggested `tag`, or every suggested tag of theirs when `tag` is omitted. Only
   * suggestions change: a photo without one, or whose tag a person already confirmed or rejected, is
   * left alone (counted in `skipped`). `changed` and `skipped` count photos.
   */
  'tags.confirmMany': { request: { photoIds: string[]; tag?: string }; response: BulkResult };
  'tags.rejectMany': { request: { photoIds: string[]; tag?: string }; response: BulkResult };
  /** The same caption (a training pair) on each photo. */
  'pairs.addMany': { request: { photoIds: string[]; text: string }; response: PairsOverview };
  'xmp.export': { request: { photoIds: string[] }; response: XmpExportResult };
  'albums.list': { request: Record<string, never>; response: AlbumView[] };
  /** A manual album (optionally with photos), or a smart album when `smart` is given. */
  'albums.create': {
    request: { name: string; photoIds?: string[]; smart?: SmartQuery };
    response: AlbumView;
  };
  'albums.rename': { request: { id: string; name: string }; response: AlbumView };
  /** Deletes the album, never its photos. */
  'albums.delete': { request: { id: string }; response: AlbumView[] };
  'albums.add': { request: { id: string; photoIds: string[] }; response: AlbumView };
  'albums.remove': { request: { id: string; photoIds: string[] }; response: AlbumView };
  'albums.setCover': { request: { id: string; photoId: string }; response: AlbumView };
  /**
   * Moves these photos, in this order, to position `index` of a manual album: afterwards the first of
   * them is the album's `index`-th photo (0 = first; past the end = last).
   */
  'albums.move': { request: { id: string; photoIds: string[]; index: number }; response: AlbumView };
  /** A page of an album's photos, in album order (a smart album: its query's order). */
  'albums.photos': { request: { id: string; offset?: number; limit?: number }; response: SearchResponse };
  /** Copies the album's originals into `destination`: names kept, collisions suffixed, nothing overwritten. */
  'albums.export': { request: { id: string; destination: string }; response: AlbumExportResult };
  'review.labels': { request: Record<string, never>; response: ReviewLabel[] };
  /** A page of one label's pending suggestions (50 unless `limit` says otherwise). */
  'review.queue': { request: { tag: string; offset?: number; limit?: number }; response: ReviewPage };
  // Duplicates and the trash.
  'duplicates.list': { request: DuplicatesRequest; response: DuplicatesPage };
  /** Which copy of a group to keep, overriding the rules (until the group changes). */
  'duplicates.keep': { request: { groupId: string; photoId: string }; response: DuplicateGroup };
  /** Moves every copy but the keeper of these groups (all groups found when omitted) to the trash. */
  'duplicates.resolve': {
    request: { groupIds?: string[]; strictness?: DuplicateStrictness; folder?: string; album?: string };
    response: Resolution;
  };
  /** Puts back what a resolution moved (the latest when `id` is omitted). */
  'duplicates.undo': { request: { id?: string }; response: Resolution };
  'trash.list': { request: Record<string, never>; response: TrashItem[] };
  'trash.restore': { request: { originalPaths: string[] }; response: TrashItem[] };
  'trash.empty': { request: Record<string, never>; response: { removed: number; freedBytes: number } };
  /** Installs a model folder or archive, checked as `lookbook models import` checks it. */
  'models.import': { request: { path: string }; response: { id: string; models: CatalogueModel[] } };
  /**
   * Starts making the faster copy of an installed model (its `fasterVersion`); progress arrives as
   * conversionProgress events. The copy is installed, not put to use: the person chooses.
   */
  'models.makeFaster': { request: { id: string }; response: { started: boolean } };
}

/** Progress events the core pushes; the client subscribes with `onX` (X = capitalised key). */
export interface ApiEvents {
  indexingProgress: IndexingProgress;
  taggingProgress: TaggingProgress;
  trainingProgress: TrainingProgress;
  downloadProgress: DownloadProgress;
  conversionProgress: ConversionProgress;
  /** The set of photos changed (indexing finished a batch, a folder was removed): refresh views. */
  libraryChanged: { photoCount: number };
  /** An album was created, renamed, deleted or its photos changed (a smart album's: when the library did). */
  albumsChanged: { albums: AlbumView[] };
}

export type MethodName = keyof ApiMethods;
export type EventName = keyof ApiEvents;
export type Request<M extends MethodName> = ApiMethods[M]['request'];
export type Response<M extends MethodName> = ApiMethods[M]['response'];

export const METHOD_NAMES = [
  'library.status',
  'folders.add',
  'folders.remove',
  'folders.exclude',
  'folders.browse',
  'indexing.start',
  'indexing.pause',
  'indexing.resume',
  'search.query',
  'search.facets',
  'store.get',
  'store.set',
  'photos.get',
  'tags.add',
  'tags.confirm',
  'tags.reject',
  'tags.facets',
  'vocabularies.list',
  'vocabularies.save',
  'vocabularies.import',
  'tagging.autoTag',
  'tagging.lastRun',
  'tagging.undo',
  'pairs.overview',
  'pairs.add',
  'pairs.remove',
  'training.start',
  'training.cancel',
  'adapters.list',
  'adapters.activate',
  'adapters.rollback',
  'models.catalogue',
  'models.download',
  'models.activate',
  'photos.timeline',
  'photos.month',
  'tags.addMany',
  'tags.confirmMany',
  'tags.rejectMany',
  'pairs.addMany',
  'xmp.export',
  'albums.list',
  'albums.create',
  'albums.rename',
  'albums.delete',
  'albums.add',
  'albums.remove',
  'albums.setCover',
  'albums.move',
  'albums.photos',
  'albums.export',
  'review.labels',
  'review.queue',
  'models.import',
  'duplicates.list',
  'duplicates.keep',
  'duplicates.resolve',
  'duplicates.undo',
  'trash.list',
  'trash.restore',
  'trash.empty',
  'models.makeFaster',
] as const satisfies readonly MethodName[];

// Compile-time proof that METHOD_NAMES lists every method (a missing one makes this `never`).
type _AllMethodsListed = Exclude<MethodName, (typeof METHOD_NAMES)[number]> extends never ? true : never;
export const _allMethodsListed: _AllMethodsListed = true;

export const EVENT_NAMES = [
  'indexingProgress',
  'taggingProgress',
  'trainingProgress',
  'downloadProgress',
  'conversionProgress',
  'libraryChanged',
  'albumsChanged',
] as const satisfies readonly EventName[];
type _AllEventsListed = Exclude<EventName, (typeof EVENT_NAMES)[number]> extends never ? true : never;
export const _allEventsListed: _AllEventsListed = true;

export type Unsubscribe = () => void;
export type Listener<E extends EventName> = (event: ApiEvents[E]) => void;

/** What the core implements: one async function per method. */
export type ApiHandlers = { [M in MethodName]: (request: Request<M>) => Promise<Response<M>> };

/** `onIndexingProgress(listener)` and friends, derived from ApiEvents. */
export type ApiSubscriptions = {
  [E in EventName as `on${Capitalize<E>}`]: (listener: Listener<E>) => Unsubscribe;
};

/** Transport-independent: one generic call and one generic subscription, which both transports carry. */
export interface ApiTransport {
  call<M extends MethodName>(method: M, request: Request<M>): Promise<Response<M>>;
  subscribe<E extends EventName>(event: E, listener: Listener<E>): Unsubscribe;
}

/** The client the renderer uses: typed methods and `onX` events, whatever the transport. */
export type LookbookClient = ApiTransport & ApiSubscriptions;

/** An error as it crosses a transport: the message is for people; the code is for code. */
export interface ApiErrorBody {
  error: {
    message: string;
    code: string;
    /** What the person most likely meant (the folder a mistyped path was close to): the UI offers it. */
    suggestion?: string;
  };
}

/**
 * Things only the desktop shell can do (native dialogs, the OS file manager). Absent in web mode, where
 * the UI offers a path field instead.
 */
export interface HostApi {
  pickFolder(): Promise<string | null>;
  pickImage(): Promise<string | null>;
  showInFolder(path: string): Promise<void>;
  openWithDefaultApp(path: string): Promise<void>;
  /** The absolute path of a dropped File (Electron's webUtils.getPathForFile). */
  pathForFile(file: File): string;
}

/** What the Electron preload exposes as `window.lookbook`. */
export interface PreloadBridge {
  /** Resolves with `{ result }` or an ApiErrorBody (errors cross IPC as data, so their words survive). */
  call(method: string, request: unknown): Promise<{ result: unknown } | ApiErrorBody>;
  subscribe(event: string, listener: (payload: unknown) => void): Unsubscribe;
  host: HostApi;
  /** The custom protocol's base ('lookbook-media://media'), so the renderer builds image URLs. */
  mediaBase: string;
}

/** URL paths the media endpoints (HTTP and the Electron protocol) share. */
export const MEDIA_ROUTES = {
  thumbnail: '/thumb/',
  photo: '/photo/',
} as const;

export const MEDIA_SCHEME = 'lookbook-media';
