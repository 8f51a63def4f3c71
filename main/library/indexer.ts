import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { planResize } from '../engine/preprocess.js';
import type { ClipEngine, ImageTensor } from '../engine/types.js';
import { describeError, isUserError } from '../errors.js';
import { isMediaError, type MediaErrorCode } from '../media/errors.js';
import { formatFromExtension } from '../media/formats.js';
import type { ModelInputNeed } from '../media/index-read.js';
import type { ContentRow, FileRow, FileState, LibraryStore } from '../store/library-store.js';
import { AsyncQueue, createSerializer, type Gate } from './async-queue.js';
import type { MediaPort } from './media-port.js';
import type { ScannedFile } from './scanner.js';
import { emptyIndexStats, type IndexingFailure, type IndexingProgress, type IndexStats } from './types.js';

// The indexing pipeline. Decoders (hash, then one decode per photo for its metadata, thumbnail and model
// input) run `decodeConcurrency` files at a time and feed a bounded queue; one consumer takes batches
// from it to the model, so decoding the next images overlaps inference of the current batch and the model
// never waits for a single file.
// Writes are gathered and committed together: every commit adds a fragment and a version to each table
// it touches, and costs about the same whatever its size. A write is due once WRITE_ROWS rows wait, or
// once WRITE_GAP times the last write's duration has passed since it (writing takes at most about a
// sixth of the run), within WRITE_MIN_MS..WRITE_MAX_MS so that search sees new photos soon. A write runs
// beside decoding and the model (one at a time); the run waits for it only at its end.
// Each write goes vectors → contents → files: a crash between them leaves at worst a content no file
// refers to (dropped later), never a file pointing at nothing; a file row is only written once its photo
// is complete, so a killed run redoes exactly the files without a row.
// Rows known to be new are appended (no join against the whole table): a vector or content the known sets
// lack, a file `previous` lacks. A redo after a crash finds what the killed run wrote in those (they are
// read from the tables at each full index), so it appends nothing twice; the rest are merged on the key.
// Every COMPACT_ROWS rows the tables are compacted, which also brings the merges' key indexes up to date.

/** Rows gathered at most before they are written (see above). */
const WRITE_ROWS = 1000;
const WRITE_GAP = 5;
const WRITE_MIN_MS = 200;
const WRITE_MAX_MS = 2000;
/**
 * Rows written, or writes, between two compactions during a run (the run's end compacts too, see
 * library.ts): many small fragments slow every read.
 */
const COMPACT_ROWS = 20_000;
const COMPACT_WRITES = 300;

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

export function isRetryable(row: Pick<FileRow, 'status' | 'code'>): boolean {
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

/**
 * What contents and vectors exist, read at the start of a full index. Any key with two rows is repaired
 * as it is read (two machines appending to one shared store; see removeDuplicateKeys): the appends trust
 * these. File rows are repaired by the caller, which reads them all (see reconcile.ts).
 */
export async function loadKnownSets(store: LibraryStore, modelKey: string): Promise<KnownSets> {
  const contents = await store.removeDuplicateContents();
  const vectors = await store.removeDuplicateVectors(modelKey);
  return { contents: contents.contentIds, vectors: vectors.contentIds };
}

/** Rows gathered for the next write (see WRITE_ROWS). */
interface PendingWrites {
  vectors: { contentId: string; vector: Float32Array }[];
  contents: ContentRow[];
  files: FileRow[];
  removals: string[];
  /** Encoded photos, released once written (copies found meanwhile only add a file row). */
  items: WorkItem[];
  /** When the oldest gathered row was gathered (ms), or 0. */
  since: number;
}

const noPendingWrites = (): PendingWrites => ({
  vectors: [],
  contents: [],
  files: [],
  removals: [],
  items: [],
  since: 0,
});

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
  scanned: ScannedFile[],
  previous: ReadonlyMap<string, FileState>,
  known: KnownSets,
): Promise<IndexStats> {
  const started = Date.now();
  // One entry per path (a watched folder and a file in it may both be reported): a path's row is
  // appended when `previous` has none, so it must be written once.
  const files = [...new Map(scanned.map((f) => [f.path, f])).values()];
  const stats: IndexStats = emptyIndexStats(files.length);
  // Files that are not photos by their extension (notes, sidecars, videos) are recorded at once and not
  // counted in the progress, which speaks of photos.
  const photos = files.filter((f) => formatFromExtension(f.path) !== undefined);
  const failures: IndexingFailure[] = [];
  const serialize = createSerializer();
  const queue = new AsyncQueue<WorkItem>(Math.max(2, ctx.batchSize * 2));
  const inFlight = new Map<string, WorkItem>();
  let pending = noPendingWrites();
  let writtenSinceCompaction = 0;
  let writesSinceCompaction = 0;
  /** When the last write ended, and how long it took (ms): see WRITE_GAP. */
  let lastWriteEnd = 0;
  let lastWriteMs = 0;
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

  /** Gathers a file row for the next write. */
  const addFileRow = (row: FileRow) => {
    pending.files.push(row);
    pending.since ||= Date.now();
  };

  /** The write under way, if any, and the first write that failed (it stops the run). */
  let writing: Promise<void> | undefined;
  let writeError: unknown;
  /**
   * Starts a write of the gathered rows when one is due and none is under way; does not wait for it. A
   * failed write (a full disk) stops the run: no file is started after it, and the consumer throws it.
   */
  const writeWhenDue = () => {
    if (writing || writeError !== undefined || !due()) return;
    writing = flush(false)
      .catch((e: unknown) => {
        writeError = e ?? new Error('writing the index failed');
      })
      .finally(() => (writing = undefined));
  };

  /** Whether the gathered rows are due to be written (see WRITE_ROWS). */
  const due = () =>
    pending.since > 0 &&
    (pending.files.length + pending.removals.length >= WRITE_ROWS ||
      performance.now() - lastWriteEnd >=
        Math.min(WRITE_MAX_MS, Math.max(WRITE_MIN_MS, WRITE_GAP * lastWriteMs)));

  /** Writes what was gathered when it is due; `force`: now, whatever the amount. */
  const flush = (force: boolean) =>
    serialize(async () => {
      const size = pending.files.length + pending.removals.length;
      if (size === 0 || (!force && !due())) return;
      const p = pending;
      pending = noPendingWrites();
      const writeStart = performance.now();
      // Copies whose folder left the library while they were read or encoded are not written; a photo
      // with no copy left is not written at all (nor its thumbnail kept).
      const rows = p.files.filter((r) => ctx.inLibrary(r.path));
      const written = new Set(
        rows.flatMap((r) => (r.status === 'indexed' && r.contentId ? [r.contentId] : [])),
      );
      const items = p.items.filter((i) => written.has(i.contentId));
      const kept = new Set(items.map((i) => i.contentId));
      let t = performance.now();
      const lap = () => {
        const seconds = (performance.now() - t) / 1000;
        t = performance.now();
        return seconds;
      };
      // A photo encoded because its content row was missing may have its vector already (a run killed
      // between the two writes): that vector is kept, not appended again.
      await ctx.store.appendVectors(
        ctx.modelKey,
        dim,
        p.vectors.filter((v) => kept.has(v.contentId) && !known.vectors.has(v.contentId)),
      );
      stats.vectorsWriteSeconds += lap();
      await ctx.store.appendContents(p.contents.filter((c) => kept.has(c.contentId)));
      stats.contentsWriteSeconds += lap();
      await ctx.store.appendFiles(rows.filter((r) => !previous.has(r.path)));
      await ctx.store.upsertFiles(rows.filter((r) => previous.has(r.path)));
      if (p.removals.length) await ctx.store.deleteFiles(p.removals);
      stats.filesWriteSeconds += lap();
      for (const item of p.items) {
        inFlight.delete(item.contentId);
        if (kept.has(item.contentId)) {
          known.vectors.add(item.contentId);
          known.contents.add(item.contentId);
        } else if (item.content) await rm(thumbnailFile(ctx.thumbnailsDir, item.contentId), { force: true });
      }
      lastWriteEnd = performance.now();
      lastWriteMs = lastWriteEnd - writeStart;
      writtenSinceCompaction += size;
      writesSinceCompaction++;
      if (writtenSinceCompaction >= COMPACT_ROWS || writesSinceCompaction >= COMPACT_WRITES) {
        writtenSinceCompaction = 0;
        writesSinceCompaction = 0;
        lap();
        await ctx.store.compactForWrites(ctx.modelKey);
        stats.compactSeconds += lap();
        lastWriteEnd = performance.now();
      }
      if (kept.size) ctx.emitIndexed([...kept]);
    });

  const recordFailure = (file: ScannedFile, e: unknown) => {
    const f = failure(file.path, e);
    if (f.code === 'missing') {
      // Deleted (or moved) while we were reading it: it simply leaves the library; a move shows up as an add.
      pending.removals.push(file.path);
      pending.since ||= Date.now();
      stats.removed++;
      return;
    }
    stats.failed++;
    failures.push({ path: file.path, code: f.code, reason: f.reason });
    addFileRow(
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
    // The bytes just hashed, decoded next without reading the file again (and dropped if not needed).
    let bytes: Buffer | undefined;
    if (prev?.contentId && prev.size === file.size && prev.mtimeMs === file.mtimeMs)
      contentId = prev.contentId;
    else {
      ({ contentId, bytes } = await ctx.media.hashFile(file.path, ctx.store.contentHash));
      stats.hashed++;
    }
    if (known.vectors.has(contentId) && known.contents.has(contentId)) {
      stats.reused++;
      addFileRow(fileRow(file, { contentId }));
      return;
    }
    const waiting = inFlight.get(contentId);
    if (waiting) {
      stats.reused++;
      if (waiting.encoded) addFileRow(fileRow(file, { contentId }));
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
        ...(bytes ? { bytes } : {}),
      });
      bytes = undefined; // not held while this photo waits for the model
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
      writeWhenDue();
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
      if (writeError !== undefined) throw writeError;
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
            addFileRow({ ...f, contentId: null, status: 'failed', code, reason });
          }
        } else {
          item.encoded = true;
          ok.push({ item, vector: v });
        }
      });
      stats.encoded += ok.length;
      // Written with the next gathered rows (see WRITE_ROWS); copies found meanwhile add their file rows.
      for (const o of ok) {
        pending.vectors.push({ contentId: o.item.contentId, vector: o.vector });
        if (o.item.content) pending.contents.push(o.item.content);
        for (const f of o.item.files) addFileRow(f);
        pending.items.push(o.item);
      }
      writeWhenDue();
      emit(true);
    }
  }

  for (const file of files) {
    if (formatFromExtension(file.path) !== undefined) continue;
    stats.skipped++;
    addFileRow(
      fileRow(file, { status: 'skipped', code: 'not-a-photo', reason: `${file.path}: not a photo file` }),
    );
  }

  let cursor = 0;
  let consumerError: unknown;
  const next = () =>
    ctx.isAborted() || consumerError !== undefined || writeError !== undefined ? undefined : photos[cursor++];
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
  await writing;
  if (writeError === undefined) await flush(true);
  if (consumerError !== undefined) throw consumerError;
  if (writeError !== undefined) throw writeError;
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
