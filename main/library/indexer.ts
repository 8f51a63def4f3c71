import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { planResize } from '../engine/preprocess.js';
import type { ClipEngine, ImageTensor } from '../engine/types.js';
import { describeError, isUserError } from '../errors.js';
import { isMediaError, type MediaErrorCode } from '../media/errors.js';
import { formatFromExtension } from '../media/formats.js';
import type { ModelInputNeed } from '../media/index-read.js';
import type { ContentRow, FileRow, LibraryStore } from '../store/library-store.js';
import { AsyncQueue, createSerializer, type Gate } from './async-queue.js';
import type { MediaPort } from './media-port.js';
import type { ScannedFile } from './scanner.js';
import { emptyIndexStats, type IndexingFailure, type IndexingProgress, type IndexStats } from './types.js';

// The indexing pipeline. Decoders (hash, then one decode per photo for its metadata, thumbnail and model
// input) run `decodeConcurrency` files at a time and feed a bounded queue; one consumer takes batches
// from it to the model, so decoding the next images overlaps inference of the current batch and the model
// never waits for a single file.
// Writes go vectors → contents → files, one at a time: a crash between them leaves at worst a content
// no file refers to (dropped later), never a file pointing at nothing; a file row is only written once
// its photo is complete, so a killed run redoes exactly the files without a row. mergeInsert on the
// keys makes a redo harmless (no duplicates).

/**
 * Why a photo failed to index, as its file row stores it and the UI groups it: main/media's code when
 * the photo itself cannot be read, 'model-error' when the model failed on its pixels, and 'internal'
 * for anything else, a bug or an I/O failure that is not the photo's fault. Calling those 'corrupt'
 * would blame the photo and never look at it again.
 */
export type IndexFailureCode = MediaErrorCode | 'model-error' | 'internal';

/** Failure codes worth retrying at the next run even if the file did not change (it may be fixed). */
const RETRYABLE_CODES: ReadonlySet<string> = new Set<IndexFailureCode>([
  'permission-denied',
  'io-error',
  'missing',
  'model-error',
  'internal',
]);

export function isRetryable(row: FileRow): boolean {
  return row.status === 'failed' && RETRYABLE_CODES.has(row.code ?? 'internal');
}

export function thumbnailFile(thumbnailsDir: string, contentId: string): string {
  return join(thumbnailsDir, contentId.slice(0, 2), `${contentId}.webp`);
}

export interface IndexerContext {
  store: LibraryStore;
  engine: ClipEngine;
  media: MediaPort;
  /** The key of the vectors table written (the active model). */
  modelKey: string;
  thumbnailsDir: string;
  decodeConcurrency: number;
  batchSize: number;
  gate: Gate;
  /** Set to stop early (close, Ctrl+C): files not started are left for the next run. */
  isAborted(): boolean;
  /**
   * Whether a file still belongs in the library. When its folder is removed (or the path excluded)
   * during the run, its files not started yet are skipped and no row is written for those under way:
   * the removal must not be undone by the run it interrupted.
   */
  inLibrary(path: string): boolean;
  emitProgress(p: IndexingProgress): void;
  emitIndexed(contentIds: string[]): void;
}

interface WorkItem {
  contentId: string;
  tensor: ImageTensor;
  /** null when the content row already exists (only the model's vector was missing). */
  content: ContentRow | null;
  /** Every file holding this content found in this run (identical copies wait on one encode). */
  files: FileRow[];
  /** Encoded and being written: a copy found now only needs its file row (queued after the write). */
  encoded?: boolean;
}

export interface KnownSets {
  contents: Set<string>;
  vectors: Set<string>;
}

export async function loadKnownSets(store: LibraryStore, modelKey: string): Promise<KnownSets> {
  return { contents: await store.allContentIds(), vectors: await store.vectorContentIds(modelKey) };
}

function fileRow(file: ScannedFile, patch: Partial<FileRow>): FileRow {
  return {
    path: file.path,
    folder: file.folder,
    contentId: null,
    size: file.size,
    mtimeMs: file.mtimeMs,
    status: 'indexed',
    code: null,
    reason: null,
    updatedAt: Date.now(),
    ...patch,
  };
}

function failure(path: string, e: unknown): { code: IndexFailureCode; reason: string } {
  // A MediaError's message already names the file and says what is wrong with it.
  if (isMediaError(e)) return { code: e.code, reason: e.message };
  return {
    code: 'internal',
    reason: `${path}: not indexed because of an error in Lookbook (${describeError(e)})`,
  };
}

/**
 * Indexes the given files (each: new, changed, or missing this model's vector). `previous` holds the
 * files' existing rows, so unchanged content is not hashed again.
 */
export async function indexFiles(
  ctx: IndexerContext,
  files: ScannedFile[],
  previous: Map<string, FileRow>,
  known: KnownSets,
): Promise<IndexStats> {
  const started = Date.now();
  const stats: IndexStats = emptyIndexStats(files.length);
  // Files that are not photos by their extension (notes, sidecars, videos) are recorded at once and not
  // counted in the progress, which speaks of photos.
  const photos = files.filter((f) => formatFromExtension(f.path) !== undefined);
  const failures: IndexingFailure[] = [];
  const serialize = createSerializer();
  const queue = new AsyncQueue<WorkItem>(Math.max(2, ctx.batchSize * 2));
  const inFlight = new Map<string, WorkItem>();
  let pendingRows: FileRow[] = [];
  let pendingRemovals: string[] = [];
  let done = 0;
  /** Photos skipped because their folder left the library during the run. */
  let dropped = 0;
  let currentPath: string | undefined;
  const dim = ctx.engine.model.embedDim;
  const cfg = ctx.engine.model.preprocess;
  const modelNeed: ModelInputNeed = {
    resizeTo: (width, height) => planResize(width, height, cfg),
  };

  const progress = (): IndexingProgress => {
    const seconds = (Date.now() - started) / 1000;
    const ips = seconds > 0 ? done / seconds : 0;
    const left = photos.length - dropped - done;
    return {
      phase: ctx.gate.paused ? 'paused' : 'indexing',
      total: photos.length - dropped,
      done,
      queued: left,
      failed: stats.failed,
      encoded: stats.encoded,
      reused: stats.reused,
      imagesPerSecond: Math.round(ips * 100) / 100,
      etaSeconds: ips > 0 && done > 0 ? Math.round(left / ips) : null,
      ...(currentPath !== undefined ? { currentPath } : {}),
      failures: failures.slice(-20),
    };
  };
  let lastEmit = 0;
  const emit = (force = false) => {
    const now = Date.now();
    if (!force && now - lastEmit < 100) return;
    lastEmit = now;
    ctx.emitProgress(progress());
  };

  const flushRows = () =>
    serialize(async () => {
      const rows = pendingRows.filter((r) => ctx.inLibrary(r.path));
      const removals = pendingRemovals;
      pendingRows = [];
      pendingRemovals = [];
      if (rows.length) await ctx.store.upsertFiles(rows);
      if (removals.length) await ctx.store.deleteFiles(removals);
    });

  const recordFailure = (file: ScannedFile, e: unknown) => {
    const f = failure(file.path, e);
    if (f.code === 'missing') {
      // Deleted (or moved) while we were reading it: it simply leaves the library; a move shows up as an add.
      pendingRemovals.push(file.path);
      stats.removed++;
      return;
    }
    stats.failed++;
    failures.push({ path: file.path, code: f.code, reason: f.reason });
    pendingRows.push(
      fileRow(file, {
        status: f.code === 'unsupported-format' ? 'unsupported' : 'failed',
        code: f.code,
        reason: f.reason,
      }),
    );
  };

  async function prepare(file: ScannedFile): Promise<void> {
    currentPath = file.path;
    const prev = previous.get(file.path);
    let contentId: string;
    if (prev?.contentId && prev.size === file.size && prev.mtimeMs === file.mtimeMs)
      contentId = prev.contentId;
    else {
      contentId = await ctx.media.contentId(file.path, ctx.store.contentHash);
      stats.hashed++;
    }
    if (known.vectors.has(contentId) && known.contents.has(contentId)) {
      stats.reused++;
      pendingRows.push(fileRow(file, { contentId }));
      return;
    }
    const waiting = inFlight.get(contentId);
    if (waiting) {
      stats.reused++;
      if (waiting.encoded) pendingRows.push(fileRow(file, { contentId }));
      else waiting.files.push(fileRow(file, { contentId }));
      return;
    }
    const item: WorkItem = {
      contentId,
      tensor: new Float32Array(0),
      content: null,
      files: [fileRow(file, { contentId })],
    };
    inFlight.set(contentId, item);
    try {
      // One header probe and one decode give the facts, the thumbnail and the model's pixels.
      const needContent = !known.contents.has(contentId);
      const read = await ctx.media.readForIndex(file.path, {
        facts: needContent,
        model: modelNeed,
        ...(needContent ? { thumbnailOut: thumbnailFile(ctx.thumbnailsDir, contentId) } : {}),
      });
      if (needContent && read.facts) {
        const facts = read.facts;
        item.content = {
          contentId,
          ...facts,
          takenAt: facts.takenAt ?? file.mtimeMs,
          takenAtSource: facts.takenAt !== null ? 'exif' : 'file',
          size: file.size,
          thumbnail: read.thumbnail,
          addedAt: Date.now(),
        };
      }
      item.tensor = await ctx.engine.preprocessPixels(read.pixels);
    } catch (e) {
      inFlight.delete(contentId);
      // Copies waiting on this content fail the same way (same bytes).
      for (const f of item.files)
        recordFailure({ path: f.path, folder: f.folder, size: f.size, mtimeMs: f.mtimeMs }, e);
      stats.reused -= item.files.length - 1;
      return;
    }
    await queue.push(item);
  }

  async function producer(next: () => ScannedFile | undefined): Promise<void> {
    for (let file = next(); file; file = next()) {
      await ctx.gate.wait();
      if (ctx.isAborted()) return;
      if (!ctx.inLibrary(file.path)) {
        dropped++;
        emit();
        continue;
      }
      try {
        await prepare(file);
      } catch (e) {
        // The consumer failed (the database is unwritable): the run stops, the file stays unindexed.
        if (consumerError !== undefined) return;
        recordFailure(file, e);
      }
      done++;
      if (pendingRows.length + pendingRemovals.length >= 200) await flushRows();
      emit();
    }
  }

  async function encode(batch: WorkItem[]): Promise<Array<Float32Array | Error>> {
    const t0 = performance.now();
    try {
      stats.engineCalls++;
      const vectors = await ctx.engine.embedImageTensors(batch.map((b) => b.tensor));
      return vectors;
    } catch (e) {
      // A model that cannot be loaded is no photo's fault: the run stops with its message instead of
      // failing every photo (the vision tower is loaded on the first batch).
      if (isUserError(e) && e.code === 'model-invalid') throw e;
      if (batch.length === 1) return [e instanceof Error ? e : new Error(String(e))];
      // One bad tensor must not fail its neighbours: retry one by one.
      const out: Array<Float32Array | Error> = [];
      for (const item of batch) out.push(...(await encode([item])));
      return out;
    } finally {
      stats.modelSeconds += (performance.now() - t0) / 1000;
    }
  }

  async function consumer(): Promise<void> {
    for (
      let batch = await queue.takeBatch(ctx.batchSize);
      batch;
      batch = await queue.takeBatch(ctx.batchSize)
    ) {
      await ctx.gate.wait();
      const vectors = await encode(batch);
      const ok: { item: WorkItem; vector: Float32Array }[] = [];
      batch.forEach((item, i) => {
        const v = vectors[i]!;
        if (v instanceof Error) {
          inFlight.delete(item.contentId);
          for (const f of item.files) {
            const code: IndexFailureCode = 'model-error';
            const reason = `${f.path}: the model failed on this image (${v.message})`;
            stats.failed++;
            failures.push({ path: f.path, code, reason });
            pendingRows.push({ ...f, contentId: null, status: 'failed', code, reason });
          }
        } else {
          item.encoded = true;
          ok.push({ item, vector: v });
        }
      });
      stats.encoded += ok.length;
      // Copies whose folder left the library while they were decoded or encoded are not written; a
      // photo with no copy left is not written at all (nor its thumbnail kept).
      for (const o of ok) o.item.files = o.item.files.filter((f) => ctx.inLibrary(f.path));
      const kept = ok.filter((o) => o.item.files.length > 0);
      await serialize(async () => {
        await ctx.store.upsertVectors(
          ctx.modelKey,
          dim,
          kept.map((o) => ({ contentId: o.item.contentId, vector: o.vector })),
        );
        await ctx.store.upsertContents(kept.flatMap((o) => (o.item.content ? [o.item.content] : [])));
        await ctx.store.upsertFiles(kept.flatMap((o) => o.item.files));
      });
      for (const o of ok) inFlight.delete(o.item.contentId);
      for (const o of kept) {
        known.vectors.add(o.item.contentId);
        known.contents.add(o.item.contentId);
      }
      for (const o of ok) {
        if (o.item.content && o.item.files.length === 0)
          await rm(thumbnailFile(ctx.thumbnailsDir, o.item.contentId), { force: true });
      }
      await flushRows();
      if (kept.length) ctx.emitIndexed(kept.map((o) => o.item.contentId));
      emit(true);
    }
  }

  for (const file of files) {
    if (formatFromExtension(file.path) !== undefined) continue;
    stats.skipped++;
    pendingRows.push(
      fileRow(file, { status: 'skipped', code: 'not-a-photo', reason: `${file.path}: not a photo file` }),
    );
  }

  let cursor = 0;
  let consumerError: unknown;
  const next = () => (ctx.isAborted() || consumerError !== undefined ? undefined : photos[cursor++]);
  const consuming = consumer().catch((e: unknown) => {
    consumerError = e ?? new Error('indexing failed');
    queue.close();
  });
  try {
    await Promise.all(Array.from({ length: Math.max(1, ctx.decodeConcurrency) }, () => producer(next)));
  } finally {
    queue.close();
  }
  await consuming;
  await flushRows();
  if (consumerError !== undefined) throw consumerError;
  stats.seconds = (Date.now() - started) / 1000;
  stats.imagesPerSecond = stats.seconds > 0 ? done / stats.seconds : 0;
  stats.modelImagesPerSecond = stats.modelSeconds > 0 ? stats.encoded / stats.modelSeconds : 0;
  currentPath = undefined;
  // The final counts; the library says 'done' once it has also removed what left and compacted.
  ctx.emitProgress(progress());
  return stats;
}

/** The file's current size and mtime, or undefined when it is gone. */
export async function statScanned(path: string, folder: string): Promise<ScannedFile | undefined> {
  try {
    const info = await stat(path);
    if (!info.isFile()) return undefined;
    return { path, folder, size: info.size, mtimeMs: info.mtimeMs };
  } catch {
    return undefined;
  }
}
