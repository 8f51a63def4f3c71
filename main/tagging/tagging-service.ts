import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { UserError } from '../errors.js';
import { logError } from '../log.js';
import type { Library } from '../library/library.js';
import { readSettings, updateSettings } from '../host/settings.js';
import type { Photo } from '../library/types.js';
import type { ResolvedPhotos } from '../library/photos.js';
import { isUnder } from '../paths.js';
import { namesAColour } from '../models/demo-words.js';
import { applyAdapter } from '../adapters/adapter.js';
import type { ActiveAdapterSource } from '../adapters/active-adapter.js';
import { createLabelEmbeddingCache, NO_ADAPTER, type TextEmbeddingTransform } from './label-embeddings.js';
import {
  createTagStore,
  type AutoSuggestion,
  type ReviewCount,
  type TagCount,
  type TagRecord,
  type TagState,
  type TagRunUndo,
  type TagStore,
} from './tag-store.js';
import { createRunJournal } from './run-journal.js';
import { createVocabularyStore, type VocabularyStore } from './vocabulary-store.js';
import { vocabularyContentHash, type Vocabulary } from './vocabulary.js';
import { exportXmpSidecars, type XmpExportSummary } from './xmp-export.js';
import type { SidecarNaming } from './xmp-sidecar.js';
import { resolveScoringOptions, scoreImage, type ScoringOptions } from './zero-shot-scorer.js';

export interface TaggingProgressEvent {
  phase: 'running' | 'done';
  vocabulary: string;
  total: number;
  done: number;
  /** Suggestions written so far. */
  tagsAdded: number;
}

export interface TagRunSummary {
  vocabulary: string;
  modelId: string;
  adapterVersion: string;
  /** Photos (contents) considered. */
  photos: number;
  /** Photos that got at least one suggestion. */
  tagged: number;
  suggested: number;
  /** Suggestions held back because a person confirmed or rejected that tag already. */
  skippedReviewed: number;
  /** Earlier auto suggestions this run replaced. */
  removed: number;
  /** Photos without a vector for the current model yet (still being indexed). */
  missingVectors: number;
  seconds: number;
  /** The run's id when it can be undone (runs a person started: tagPhotos, tagFolder). */
  runId?: string;
}

/** A tagging run that can be undone. */
export interface UndoableRun {
  runId: string;
  vocabulary: string;
  /** ISO date and time. */
  startedAt: string;
  photos: number;
  suggested: number;
}

export interface UndoSummary extends UndoableRun {
  /** Suggestions of the run taken away. */
  removed: number;
  /** Earlier suggestions (the run had replaced them) put back. */
  restored: number;
}

export interface TagOptions {
  /** Vocabulary name; default: the folder's auto-tag vocabulary, else 'colours' with the demo model, else 'everyday'. */
  vocabulary?: string;
  scoring?: Partial<ScoringOptions>;
  onProgress?: (p: TaggingProgressEvent) => void;
  /** The id the run is recorded under, to undo it (default: a new one). */
  runId?: string;
}

export interface AutoTagFolder {
  path: string;
  vocabulary: string;
}

export interface PhotoTags {
  contentId: string;
  path: string;
  tags: TagRecord[];
}

export interface XmpExportRequest {
  folder?: string;
  /** Only these photos (content ids), e.g. a selection; with `folder`, those of them in the folder. */
  contentIds?: readonly string[];
  /** Also write suggested (not yet reviewed) tags; default: confirmed only. */
  includeSuggested?: boolean;
  naming?: SidecarNaming;
  dryRun?: boolean;
  onProgress?: (p: { done: number; total: number }) => void;
}

/** What a bulk action did, counted in photos. */
export interface BulkTagResult {
  changed: number;
  /** Photos it left alone (the tag was already there, or not suggested, or scored below the minimum). */
  skipped: number;
}

export interface BulkReviewOptions {
  /** Review only this tag; default: every suggested tag of the photos. */
  label?: string;
  /** Review only suggestions scored at least this (0..1). */
  minScore?: number;
}

export interface TaggingService {
  readonly tags: TagStore;
  readonly vocabularies: VocabularyStore;
  /** The vocabulary used when none is named (and for a folder set to auto-tag without one). */
  defaultVocabulary(): string;
  /** The vocabulary a run over this folder (or the library) uses when none is named. */
  vocabularyFor(folder: string | undefined): string;
  /**
   * Why the active model cannot score this vocabulary's labels meaningfully, in words; undefined when it
   * can. (The demo model tells colours apart and nothing else: a label without a colour would get
   * suggestions by chance.)
   */
  vocabularyWarning(name: string): Promise<string | undefined>;
  /** The newest tagging run a person started, if it can still be undone. */
  lastRun(): Promise<UndoableRun | undefined>;
  /**
   * Undoes the newest tagging run (or checks that `runId` is it): its suggestions go, the ones it
   * replaced come back; confirmed, rejected and hand-added tags are untouched.
   */
  undoRun(runId?: string): Promise<UndoSummary>;
  /** Auto-tags these photos (content ids or paths). */
  tagPhotos(photos: string[], options?: TagOptions): Promise<TagRunSummary>;
  /** Auto-tags a folder, or the whole library when `folder` is undefined. */
  tagFolder(folder: string | undefined, options?: TagOptions): Promise<TagRunSummary>;
  /** Redoes auto tags made with another model, adapter or vocabulary content (replacing suggestions only). */
  retagStale(options?: Omit<TagOptions, 'vocabulary'>): Promise<TagRunSummary[]>;
  autoTagFolders(): AutoTagFolder[];
  /** Sets (vocabulary name) or clears (null) auto-tagging of new photos in a library folder. */
  setAutoTag(folder: string, vocabulary: string | null): Promise<AutoTagFolder[]>;
  /**
   * Hooks tagging into the library: auto-tagging of newly indexed photos in auto-tag folders, and a stale
   * re-run. Returns a function that unhooks. (Search's tag filter is not set here: whoever builds search
   * hands it `contentIdsWithTags`.)
   */
  attach(options?: { onError?: (e: unknown) => void; retagOnStart?: boolean }): () => void;
  /** Waits until auto-tagging triggered by indexing has caught up. */
  whenIdle(): Promise<void>;
  photoTags(photo: string, states?: readonly TagState[]): Promise<PhotoTags>;
  addTags(photos: string[], labels: string[]): Promise<number>;
  confirmTags(photos: string[], labels: string[]): Promise<number>;
  rejectTags(photos: string[], labels: string[]): Promise<number>;
  removeTags(photos: string[], labels: string[]): Promise<number>;
  /** Many photos (content ids or paths) as content ids, and the ones not in the library (photos.ts). */
  resolvePhotos(photos: readonly string[]): Promise<ResolvedPhotos>;
  /** The content ids of the photos in a library folder, or the whole library when `folder` is undefined. */
  photosIn(folder?: string): Promise<string[]>;
  /** Adds a tag by hand (confirmed) to many photos in one write. */
  addTagMany(contentIds: string[], label: string): Promise<BulkTagResult>;
  /**
   * Confirms or rejects suggestions of many photos in one write: only tags still suggested are changed
   * (a person's earlier yes or no is never overturned in bulk). Takes content ids, so any selection (a
   * folder, the library, a set of photos, an album) can be reviewed the same way.
   */
  reviewMany(
    contentIds: string[],
    state: 'confirmed' | 'rejected',
    options?: BulkReviewOptions,
  ): Promise<BulkTagResult>;
  /** The labels with suggestions waiting for review, over the photos in the library, most pending first. */
  reviewLabels(): Promise<ReviewCount[]>;
  /** A page of one label's pending suggestions, most confident first, with the label's counts. */
  reviewQueue(
    label: string,
    page?: { offset?: number; limit?: number },
  ): Promise<ReviewCount & { items: Array<Photo & { score: number }> }>;
  /** Search filter hook: contents carrying all these tags (confirmed or suggested by default). */
  contentIdsWithTags(labels: string[], states?: readonly TagState[]): Promise<string[]>;
  /** Tag counts in a folder, or the whole library. */
  facets(folder?: string, states?: readonly TagState[]): Promise<TagCount[]>;
  exportXmp(request?: XmpExportRequest): Promise<XmpExportSummary>;
}

export interface TaggingServiceOptions {
  /** Where vocabularies, the label cache and settings live; default: the library's. */
  dataDir?: string;
  /**
   * The adapter in use, shared with search and fine-tuning: label embeddings and stored vectors go
   * through it, and its `version` goes into cache keys and onto each auto tag.
   */
  adapter: ActiveAdapterSource;
  /** Defaults for every run (each run may override). */
  scoring?: Partial<ScoringOptions>;
}

const VECTOR_CHUNK = 256;

/** The part of the library tagging uses (kept narrow so it is clear what tagging depends on). */
export type TaggingLibrary = Pick<
  Library,
  | 'dataDir'
  | 'engine'
  | 'getPhoto'
  | 'resolvePhotos'
  | 'photosOf'
  | 'getImageVectors'
  | 'onPhotosIndexed'
  | 'store'
>;

function readAutoTagFolders(dataDir: string, fallbackVocabulary: string): AutoTagFolder[] {
  const raw = readSettings(dataDir).autoTagFolders;
  if (!Array.isArray(raw)) return [];
  const out: AutoTagFolder[] = [];
  for (const entry of raw) {
    // A plain path is accepted too (hand-edited settings): it uses the default vocabulary.
    if (typeof entry === 'string') out.push({ path: resolve(entry), vocabulary: fallbackVocabulary });
    else if (entry && typeof entry === 'object' && typeof (entry as AutoTagFolder).path === 'string') {
      const v = (entry as AutoTagFolder).vocabulary;
      out.push({
        path: resolve((entry as AutoTagFolder).path),
        vocabulary: typeof v === 'string' ? v : fallbackVocabulary,
      });
    }
  }
  return out;
}

/**
 * Zero-shot tagging on top of a library: vocabularies, cached prompt-ensemble label embeddings, scoring
 * of the stored image vectors (no photo is decoded again), review states, auto-tagging and XMP export.
 */
export function createTaggingService(
  library: TaggingLibrary,
  options: TaggingServiceOptions,
): TaggingService {
  const dataDir = options.dataDir ?? library.dataDir;
  const engine = library.engine;
  const tags = createTagStore(library.store);
  const vocabularies = createVocabularyStore(dataDir);
  const cache = createLabelEmbeddingCache(dataDir);
  const journal = createRunJournal(dataDir);
  const defaultVocabulary = () => (engine.model.isDemo ? 'colours' : 'everyday');

  async function resolveContentIds(photos: string[]): Promise<string[]> {
    const ids: string[] = [];
    for (const p of photos) {
      const photo = await library.getPhoto(p);
      if (!photo)
        throw new UserError(
          `${p} is not a photo in the library (index its folder first).`,
          'photo-not-found',
        );
      ids.push(photo.contentId);
    }
    return [...new Set(ids)];
  }

  async function indexedContentIds(folder?: string): Promise<string[]> {
    if (folder !== undefined) return [...(await library.store.contentIdsUnder(resolve(folder)))].sort();
    return [...(await library.store.indexedPaths()).keys()].sort();
  }

  /** The adapter in use, read once per run: one run's tags all come from the same adapter version. */
  async function transforms() {
    // Another process (`lookbook adapters use`) may have changed the adapter in use since the last run.
    await options.adapter.reload();
    const active = options.adapter.current();
    // An adapter trained on another model's embeddings means nothing here.
    const usable =
      active && active.adapter.modelId === engine.model.id && active.adapter.dim === engine.model.embedDim;
    if (!usable) return { text: NO_ADAPTER, image: undefined, logitScale: engine.model.logitScale };
    const adapter = active.adapter;
    const text: TextEmbeddingTransform = {
      version: active.version,
      apply: adapter.text ? (v) => applyAdapter(adapter, [v], 'text')[0]! : undefined,
    };
    const image = adapter.image ? (vs: Float32Array[]) => applyAdapter(adapter, vs, 'image') : undefined;
    return { text, image, logitScale: adapter.logitScale || engine.model.logitScale };
  }

  /** A run a person started: recorded so that it can be undone. */
  async function recordedRun(
    contentIds: string[],
    vocabulary: Vocabulary,
    opts: TagOptions,
  ): Promise<TagRunSummary> {
    const runId = opts.runId ?? randomUUID();
    const startedAt = new Date().toISOString();
    const undos: TagRunUndo[] = [];
    const save = () =>
      journal.save({
        runId,
        vocabulary: vocabulary.name,
        startedAt,
        photos: contentIds.length,
        suggested: undos.reduce((n, u) => n + u.written.length, 0),
        // Undone newest write first, so each write's "before" is what the one before it left.
        undos: [...undos].reverse(),
      });
    let summary: TagRunSummary;
    try {
      summary = await runTagging(contentIds, vocabulary, opts, (u) => undos.push(u));
    } catch (e) {
      // A run that failed part-way can still be undone: what it wrote is recorded.
      if (undos.length > 0) await save().catch(() => undefined);
      throw e;
    }
    await save();
    return { ...summary, runId };
  }

  async function runTagging(
    contentIds: string[],
    vocabulary: Vocabulary,
    opts: TagOptions,
    onWrite?: (undo: TagRunUndo) => void,
  ): Promise<TagRunSummary> {
    const started = Date.now();
    const scoring = resolveScoringOptions({ ...options.scoring, ...opts.scoring });
    const t = await transforms();
    const embeddings = await cache.get(engine, vocabulary, t.text);
    const run = {
      vocabulary: vocabulary.name,
      vocabularyHash: vocabularyContentHash(vocabulary),
      modelId: engine.model.id,
      adapterVersion: t.text.version,
    };
    const summary: TagRunSummary = {
      vocabulary: vocabulary.name,
      modelId: run.modelId,
      adapterVersion: run.adapterVersion,
      photos: contentIds.length,
      tagged: 0,
      suggested: 0,
      skippedReviewed: 0,
      removed: 0,
      missingVectors: 0,
      seconds: 0,
    };
    const progress = (phase: 'running' | 'done', done: number) =>
      opts.onProgress?.({
        phase,
        vocabulary: vocabulary.name,
        total: contentIds.length,
        done,
        tagsAdded: summary.suggested,
      });
    progress('running', 0);
    for (let i = 0; i < contentIds.length; i += VECTOR_CHUNK) {
      const chunk = contentIds.slice(i, i + VECTOR_CHUNK);
      const found = await library.getImageVectors(chunk);
      const ids = chunk.filter((id) => found.has(id));
      summary.missingVectors += chunk.length - ids.length;
      let vectors = ids.map((id) => found.get(id)!);
      if (t.image && vectors.length) vectors = t.image(vectors);
      const suggestions = new Map<string, AutoSuggestion[]>();
      ids.forEach((id, j) => {
        const { selected } = scoreImage(vectors[j]!, embeddings, scoring, t.logitScale);
        suggestions.set(
          id,
          selected.map((s) => ({ label: s.label, score: s.probability })),
        );
        if (selected.length) summary.tagged++;
      });
      const r = await tags.applyAutoSuggestions(suggestions, run);
      onWrite?.(r.undo);
      summary.suggested += r.suggested;
      summary.skippedReviewed += r.skippedReviewed;
      summary.removed += r.removed;
      progress('running', Math.min(contentIds.length, i + chunk.length));
    }
    summary.seconds = (Date.now() - started) / 1000;
    progress('done', contentIds.length);
    return summary;
  }

  function folderVocabulary(folder: string | undefined): string | undefined {
    if (folder === undefined) return undefined;
    const abs = resolve(folder);
    return readAutoTagFolders(dataDir, defaultVocabulary()).find((f) => f.path === abs)?.vocabulary;
  }

  // Auto-tagging work triggered by indexing runs one batch at a time, in order.
  let pending: Promise<void> = Promise.resolve();

  async function autoTagNew(contentIds: string[]): Promise<void> {
    const folders = readAutoTagFolders(dataDir, defaultVocabulary());
    if (folders.length === 0 || contentIds.length === 0) return;
    const byVocabulary = new Map<string, Set<string>>();
    const files = await library.store.filesForContents(contentIds);
    for (const f of files) {
      if (f.status !== 'indexed' || !f.contentId) continue;
      for (const folder of folders) {
        if (!isUnder(f.path, folder.path)) continue;
        const set = byVocabulary.get(folder.vocabulary) ?? new Set<string>();
        set.add(f.contentId);
        byVocabulary.set(folder.vocabulary, set);
      }
    }
    for (const [name, ids] of byVocabulary) {
      await runTagging([...ids].sort(), await vocabularies.get(name), {});
    }
  }

  const service: TaggingService = {
    tags,
    vocabularies,
    defaultVocabulary,
    vocabularyFor: (folder) => folderVocabulary(folder) ?? defaultVocabulary(),

    async vocabularyWarning(name) {
      const vocabulary = await vocabularies.get(name);
      if (!engine.model.isDemo) return undefined;
      // An adapter trained on this model may have taught it words beyond colours.
      if ((await transforms()).text !== NO_ADAPTER) return undefined;
      const guesses = vocabulary.labels.map((l) => l.label).filter((l) => !namesAColour(l));
      if (guesses.length === 0) return undefined;
      const examples = guesses
        .slice(0, 3)
        .map((l) => `“${l}”`)
        .join(', ');
      return (
        `The demo model only tells colours apart, and ${guesses.length} of the ${vocabulary.labels.length} ` +
        `labels in “${vocabulary.name}” are not colours (such as ${examples}): their suggestions would be ` +
        'guesses. Install a real model, or tag with the colours vocabulary.'
      );
    },

    async lastRun() {
      const newest = (await journal.list())[0];
      if (!newest) return undefined;
      const { undos: _undos, ...run } = newest;
      return run;
    },

    async undoRun(runId) {
      const [newest, ...older] = await journal.list();
      if (!newest) throw new UserError('There is no tagging run to undo.', 'nothing-to-undo');
      if (runId !== undefined && runId !== newest.runId) {
        throw new UserError(
          older.some((r) => r.runId === runId)
            ? 'Only the latest tagging run can be undone; a newer run has changed the same tags since.'
            : 'That tagging run can no longer be undone.',
          'cannot-undo',
        );
      }
      const { removed, restored } = await tags.undoAutoSuggestions(newest.undos);
      await journal.remove(newest.runId);
      const { undos: _undos, ...run } = newest;
      return { ...run, removed, restored };
    },

    async tagPhotos(photos, opts = {}) {
      const ids = await resolveContentIds(photos);
      return recordedRun(ids, await vocabularies.get(opts.vocabulary ?? defaultVocabulary()), opts);
    },

    async tagFolder(folder, opts = {}) {
      const name = opts.vocabulary ?? folderVocabulary(folder) ?? defaultVocabulary();
      const vocabulary = await vocabularies.get(name);
      const ids = await indexedContentIds(folder);
      if (folder !== undefined && ids.length === 0) {
        throw new UserError(
          `No indexed photos under ${resolve(folder)} (is it a library folder, and indexed?).`,
          'folder-empty',
        );
      }
      return recordedRun(ids, vocabulary, opts);
    },

    async retagStale(opts = {}) {
      const t = await transforms();
      const summaries: TagRunSummary[] = [];
      for (const name of await tags.runVocabularies()) {
        let vocabulary: Vocabulary;
        try {
          vocabulary = await vocabularies.get(name);
        } catch {
          continue; // The vocabulary was removed: its tags stay as they are.
        }
        const stale = await tags.staleContentIds({
          vocabulary: vocabulary.name,
          vocabularyHash: vocabularyContentHash(vocabulary),
          modelId: engine.model.id,
          adapterVersion: t.text.version,
        });
        if (stale.length) summaries.push(await runTagging(stale, vocabulary, opts));
      }
      return summaries;
    },

    autoTagFolders: () => readAutoTagFolders(dataDir, defaultVocabulary()),

    async setAutoTag(folder, vocabulary) {
      const abs = resolve(folder);
      if (vocabulary !== null) await vocabularies.get(vocabulary); // a clear error for an unknown name
      updateSettings(dataDir, (s) => {
        const list = readAutoTagFolders(dataDir, defaultVocabulary()).filter((f) => f.path !== abs);
        if (vocabulary !== null) list.push({ path: abs, vocabulary });
        s.autoTagFolders = list;
      });
      return readAutoTagFolders(dataDir, defaultVocabulary());
    },

    attach(attachOptions = {}) {
      const onError = attachOptions.onError ?? ((e: unknown) => logError('auto-tagging', e));
      const off = library.onPhotosIndexed((ids) => {
        pending = pending.then(() => autoTagNew(ids)).catch(onError);
      });
      if (attachOptions.retagOnStart ?? true) {
        pending = pending.then(async () => void (await service.retagStale())).catch(onError);
      }
      return off;
    },

    async whenIdle() {
      let seen: Promise<void>;
      do {
        seen = pending;
        await seen;
      } while (seen !== pending);
    },

    async photoTags(photo, states) {
      const found: Photo | undefined = await library.getPhoto(photo);
      if (!found) throw new UserError(`${photo} is not a photo in the library.`, 'photo-not-found');
      const map = await tags.tagsFor([found.contentId], states);
      // Tags belong to the content; of its identical copies, the one the person named is shown.
      const named = resolve(photo);
      const path = found.paths.includes(named) ? named : found.path;
      return { contentId: found.contentId, path, tags: map.get(found.contentId) ?? [] };
    },

    async addTags(photos, labels) {
      return tags.addUserTags(await resolveContentIds(photos), labels);
    },
    async confirmTags(photos, labels) {
      return tags.setState(await resolveContentIds(photos), labels, 'confirmed');
    },
    async rejectTags(photos, labels) {
      return tags.setState(await resolveContentIds(photos), labels, 'rejected');
    },
    async removeTags(photos, labels) {
      return tags.removeTags(await resolveContentIds(photos), labels);
    },

    resolvePhotos: (photos) => library.resolvePhotos(photos),
    photosIn: (folder) => indexedContentIds(folder),

    async addTagMany(contentIds, label) {
      const unique = [...new Set(contentIds)];
      const changed = await tags.addUserTags(unique, [label]);
      return { changed, skipped: unique.length - changed };
    },
    async reviewMany(contentIds, state, opts = {}) {
      const unique = [...new Set(contentIds)];
      const labels = opts.label === undefined ? undefined : [opts.label];
      const changed = await tags.reviewSuggestions(unique, labels, state, { minScore: opts.minScore });
      return { changed: changed.size, skipped: unique.length - changed.size };
    },

    async reviewLabels() {
      return tags.reviewCounts(new Set(await indexedContentIds()));
    },
    async reviewQueue(label, page = {}) {
      const offset = page.offset ?? 0;
      const limit = page.limit ?? 50;
      const queue = await tags.reviewQueue(label, new Set(await indexedContentIds()));
      const slice = queue.suggestions.slice(offset, offset + limit);
      const photos = await library.photosOf(slice.map((s) => s.contentId));
      const items = slice.flatMap((s) => {
        const photo = photos.get(s.contentId);
        return photo ? [{ ...photo, score: s.score }] : [];
      });
      return { label: queue.label, pending: queue.pending, reviewed: queue.reviewed, items };
    },

    contentIdsWithTags: (labels, states) => tags.contentIdsWithTags(labels, states),

    async facets(folder, states) {
      // Counted over photos still in the library: tags of contents that left it are not shown.
      return tags.counts({ contentIds: await indexedContentIds(folder), states });
    },

    async exportXmp(request = {}) {
      const states: TagState[] = request.includeSuggested ? ['confirmed', 'suggested'] : ['confirmed'];
      let ids = await indexedContentIds(request.folder);
      if (request.contentIds) {
        const chosen = new Set(request.contentIds);
        ids = ids.filter((id) => chosen.has(id));
      }
      const byContent = await tags.tagsFor(ids, states);
      const folder = request.folder === undefined ? undefined : resolve(request.folder);
      const files = await library.store.filesForContents([...byContent.keys()]);
      const items = files
        .filter((f) => f.status === 'indexed' && f.contentId && (!folder || isUnder(f.path, folder)))
        .sort((a, b) => a.path.localeCompare(b.path))
        .map((f) => ({
          photoPath: f.path,
          keywords: (byContent.get(f.contentId!) ?? []).map((t) => t.label),
        }))
        .filter((i) => i.keywords.length > 0);
      return exportXmpSidecars(items, {
        naming: request.naming,
        dryRun: request.dryRun,
        onProgress: request.onProgress,
      });
    },
  };
  return service;
}
