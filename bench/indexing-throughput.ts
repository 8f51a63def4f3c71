// End-to-end indexing throughput: real photos through the real library (scan, hash, metadata, thumbnail,
// decode + preprocess, inference, LanceDB writes), with every stage's busy time recorded on the way.
import { link, mkdir, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import sharp from 'sharp';
import { openCore } from '../main/core/open-core.js';
import type { Library } from '../main/library/library.js';
import { createMediaPort, type MediaPort } from '../main/library/media-port.js';
import type { IndexStats } from '../main/library/types.js';
import { median } from './stats.js';

export interface IndexingSettings {
  /** onnxruntime intra-op threads (undefined: the library's default). */
  threads?: number;
  /** Files decoded at once (undefined: the library's default). */
  decodeConcurrency?: number;
  /** Images per model call (undefined: the library's default). */
  batchSize?: number;
  /** libvips threads per image (undefined: sharp's default, one per core). */
  sharpConcurrency?: number;
  /** onnxruntime spin-waiting (undefined: the library's default, off). */
  spinWait?: boolean;
}

/** Milliseconds spent inside each stage, summed over calls (calls overlap when decoding runs in parallel). */
export type StageBusy = Record<string, number>;

export interface IndexingRun {
  photos: number;
  /** Wall seconds of library.index(): scan, pipeline, the final compaction. */
  seconds: number;
  imagesPerSecond: number;
  /** Process CPU seconds (all threads) per photo. */
  cpuSecondsPerImage: number;
  stats: IndexStats;
  /** Mean images per model call (the consumer takes whatever is decoded, up to the batch size). */
  meanBatch: number;
  busyMs: StageBusy;
}

export interface IndexingResult {
  settings: IndexingSettings;
  runs: IndexingRun[];
  /** Median over runs. */
  imagesPerSecond: number;
  cpuSecondsPerImage: number;
  /** The model's own throughput inside the runs (encoded / seconds in the model), median. */
  modelImagesPerSecondInRun: number;
}

/** Hard links of `files` in a fresh folder (a library folder with exactly these photos, no copies). */
export async function linkPhotos(files: string[], dir: string): Promise<string> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  for (const f of files) await link(f, join(dir, basename(f)));
  return dir;
}

function timeAsync<A extends unknown[], R>(
  busy: StageBusy,
  stage: string,
  fn: (...args: A) => Promise<R>,
): (...args: A) => Promise<R> {
  return async (...args: A) => {
    const t0 = performance.now();
    try {
      return await fn(...args);
    } finally {
      busy[stage] = (busy[stage] ?? 0) + performance.now() - t0;
    }
  };
}

function timedMedia(busy: StageBusy): MediaPort {
  const m = createMediaPort();
  return {
    hashFile: timeAsync(busy, 'hash', m.hashFile),
    readMetadata: timeAsync(busy, 'metadata', m.readMetadata),
    makeThumbnail: timeAsync(busy, 'thumbnail', m.makeThumbnail),
    imageInput: timeAsync(busy, 'image input', m.imageInput),
    readForIndex: timeAsync(busy, 'decode once (probe, EXIF, thumbnail)', m.readForIndex),
  };
}

/** Wraps the library's engine and store (plain objects) so each stage is timed. */
function instrument(library: Library, busy: StageBusy): void {
  const engine = library.engine;
  engine.preprocessPixels = timeAsync(busy, 'preprocess', engine.preprocessPixels.bind(engine));
  engine.embedImageTensors = timeAsync(busy, 'model', engine.embedImageTensors.bind(engine));
  const store = library.store;
  store.upsertVectors = timeAsync(busy, 'db: vectors', store.upsertVectors.bind(store));
  store.upsertContents = timeAsync(busy, 'db: contents', store.upsertContents.bind(store));
  store.upsertFiles = timeAsync(busy, 'db: files', store.upsertFiles.bind(store));
  store.optimize = timeAsync(busy, 'db: optimize', store.optimize.bind(store));
  // New rows are appended (their cost does not grow with the table), changed ones merged: one stage each.
  store.appendVectors = timeAsync(busy, 'db: vectors', store.appendVectors.bind(store));
  store.appendContents = timeAsync(busy, 'db: contents', store.appendContents.bind(store));
  store.appendFiles = timeAsync(busy, 'db: files', store.appendFiles.bind(store));
  store.compactForWrites = timeAsync(busy, 'db: optimize', store.compactForWrites.bind(store));
}

export interface IndexingBenchOptions {
  model: string;
  /** Photos indexed per measured run. */
  photos: string[];
  /** Photos indexed once before measuring (distinct from `photos`), to warm caches and the model. */
  warmup: string[];
  /** A scratch folder (data directory and photo folders go inside). */
  workDir: string;
  rounds: number;
  settings: IndexingSettings;
}

/**
 * One library, warmed up on its own photos; then `rounds` times: add the folder of `photos`, index it
 * (timed), remove the folder (which drops its vectors, contents and thumbnails, so the next round does
 * the full work again).
 */
export async function measureIndexing(options: IndexingBenchOptions): Promise<IndexingResult> {
  const { settings } = options;
  if (settings.sharpConcurrency !== undefined) sharp.concurrency(settings.sharpConcurrency);
  const busy: StageBusy = {};
  await rm(options.workDir, { recursive: true, force: true });
  const core = await openCore({
    dataDir: join(options.workDir, 'data'),
    model: options.model,
    ...(settings.threads !== undefined ? { threads: settings.threads } : {}),
    library: {
      media: timedMedia(busy),
      ...(settings.decodeConcurrency !== undefined ? { decodeConcurrency: settings.decodeConcurrency } : {}),
      ...(settings.batchSize !== undefined ? { batchSize: settings.batchSize } : {}),
    },
    ...(settings.spinWait !== undefined ? { spinWait: settings.spinWait } : {}),
  });
  const library = core.library;
  instrument(library, busy);
  const runs: IndexingRun[] = [];
  try {
    const warm = await linkPhotos(options.warmup, join(options.workDir, 'warmup'));
    await library.addFolder(warm);
    await library.index();
    const folder = await linkPhotos(options.photos, join(options.workDir, 'photos'));
    for (let r = 0; r < options.rounds; r++) {
      for (const k of Object.keys(busy)) delete busy[k];
      await library.addFolder(folder);
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      const stats = await library.index();
      const seconds = (performance.now() - t0) / 1000;
      const cpu = process.cpuUsage(cpu0);
      if (stats.encoded !== options.photos.length || stats.failed > 0) {
        throw new Error(
          `indexing encoded ${stats.encoded} of ${options.photos.length} photos (${stats.failed} failed): ` +
            'the benchmark would measure something else',
        );
      }
      runs.push({
        photos: options.photos.length,
        seconds,
        imagesPerSecond: options.photos.length / seconds,
        cpuSecondsPerImage: (cpu.user + cpu.system) / 1e6 / options.photos.length,
        stats,
        meanBatch: stats.engineCalls ? stats.encoded / stats.engineCalls : 0,
        busyMs: { ...busy },
      });
      await library.removeFolder(folder);
    }
  } finally {
    await core.close();
    if (settings.sharpConcurrency !== undefined) sharp.concurrency(0);
  }
  return {
    settings,
    runs,
    imagesPerSecond: median(runs.map((r) => r.imagesPerSecond)),
    cpuSecondsPerImage: median(runs.map((r) => r.cpuSecondsPerImage)),
    modelImagesPerSecondInRun: median(runs.map((r) => r.stats.modelImagesPerSecond)),
  };
}
