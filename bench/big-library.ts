// The "big library" phase: a library of many small generated photos (16×12-pixel JPEGs, distinct, demo
// model), so that the model costs almost nothing and the library's own work shows.
//   1. index them all (in its own process: photos/s per 10,000, CPU ms per photo, the model's share,
//      each table's write share, peak memory);
//   2. `lookbook index` again in a new process with nothing changed (the restart);
//   3. watch the library in a new process: time until the watcher is ready, memory above the process's
//      idle memory once ready.
// Targets (issue 17): last 10,000 ≥ 80% of the first 10,000's photos/s; restart ≤ 5 s; watcher ready
// ≤ 10 s and ≤ 300 MB above idle. Run by `npm run bench` (bench/run-bench.ts), or alone:
//   npm run bench -- --phase big-library [--big-library-size 20000]
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import { tempPathFor, writeFileAtomic } from '../main/temp-files.js';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import sharp from 'sharp';
import { openCore } from '../main/core/open-core.js';
import { BIG_LIBRARY_SECTION_END, BIG_LIBRARY_SECTION_START } from './report.js';

/** Photos per sub-folder of the cached set. */
export const BIG_LIBRARY_STEP = 10_000;
/** The rate curve's steps: tenths of the library (10,000 photos each at 100,000). */
const RATE_STEPS = 10;

/** Folder `k` of the cached photo set: photos k·10,000 … k·10,000 + 9,999. */
const stepFolder = (photosDir: string, k: number) => join(photosDir, String(k).padStart(3, '0'));

/** 16×12 pixels from a simple generator seeded by `index`: every photo differs from every other. */
function tinyPixels(index: number): Buffer {
  const pixels = Buffer.alloc(16 * 12 * 3);
  let x = (index + 1) * 2654435761;
  for (let i = 0; i < pixels.length; i++) {
    x = (x ^ (x << 13)) >>> 0;
    x = (x ^ (x >>> 17)) >>> 0;
    x = (x ^ (x << 5)) >>> 0;
    pixels[i] = x & 0xff;
  }
  // The index itself in the first pixels, so no two photos can come out the same.
  pixels.writeUInt32BE(index, 0);
  return pixels;
}

/**
 * The cached set of `count` photos under `photosDir` (rounded up to whole steps of 10,000), generated
 * where missing; each step's folder is complete once its marker file exists. Returns the step folders.
 */
export async function ensureBigLibraryPhotos(
  photosDir: string,
  count: number,
  log: (m: string) => void,
): Promise<{ folders: string[]; generatedSeconds: number }> {
  const steps = Math.ceil(count / BIG_LIBRARY_STEP);
  const started = performance.now();
  let generated = false;
  const folders: string[] = [];
  for (let k = 0; k < steps; k++) {
    const folder = stepFolder(photosDir, k);
    folders.push(folder);
    const marker = `${folder}.complete`;
    if (existsSync(marker)) continue;
    generated = true;
    await mkdir(folder, { recursive: true });
    const indices = Array.from({ length: BIG_LIBRARY_STEP }, (_, i) => k * BIG_LIBRARY_STEP + i);
    for (let i = 0; i < indices.length; i += 64) {
      await Promise.all(
        indices.slice(i, i + 64).map(async (n) => {
          const file = join(folder, `p${String(n).padStart(6, '0')}.jpg`);
          if (existsSync(file)) return;
          const tmp = tempPathFor(file);
          await sharp(tinyPixels(n), { raw: { width: 16, height: 12, channels: 3 } })
            .jpeg({ quality: 90 })
            .toFile(tmp);
          await rename(tmp, file);
        }),
      );
    }
    await writeFileAtomic(marker, '');
    log(`big library: generated photos ${k * BIG_LIBRARY_STEP}–${(k + 1) * BIG_LIBRARY_STEP - 1}`);
  }
  return { folders, generatedSeconds: generated ? (performance.now() - started) / 1000 : 0 };
}

export interface BigLibraryIndexing {
  photos: number;
  seconds: number;
  /** Photos/s over each tenth of the library (10,000 photos at 100,000), in order. */
  stepRates: number[];
  /** Photos per step of stepRates. */
  step: number;
  cpuMsPerPhoto: number;
  /** Milliseconds in the model per photo (wall time of its calls, which overlap decoding). */
  modelMsPerPhoto: number;
  /** Seconds writing each table, and compacting during the run, summed over the run. */
  writeSeconds: { vectors: number; contents: number; files: number; compaction: number };
  /** Seconds of the run's end: orphans, compaction, indexes (after the last photo). */
  finishingSeconds: number;
  /** Photos indexed (status), to check that nothing was lost. */
  photoCount: number;
}

/** Phase 1, in its own process (phase.ts 'big-library-index'): a fresh library indexes every photo. */
export async function measureBigLibraryIndex(options: {
  dataDir: string;
  folders: string[];
}): Promise<BigLibraryIndexing> {
  await rm(options.dataDir, { recursive: true, force: true });
  const core = await openCore({ dataDir: options.dataDir, model: 'demo' });
  try {
    for (const folder of options.folders) await core.library.addFolder(folder);
    const step = (options.folders.length * BIG_LIBRARY_STEP) / RATE_STEPS;
    const marks: number[] = [];
    let lastDone = 0;
    let lastAt = 0;
    const started = performance.now();
    const off = core.library.onProgress((p) => {
      if (p.phase !== 'indexing') return;
      lastDone = p.done;
      lastAt = performance.now();
      while (p.done >= (marks.length + 1) * step) marks.push(performance.now());
    });
    const cpu = process.cpuUsage();
    const stats = await core.library.index();
    const used = process.cpuUsage(cpu);
    off();
    const ended = performance.now();
    const stepRates = marks.map((t, i) => step / ((t - (i === 0 ? started : marks[i - 1]!)) / 1000));
    const photos = stats.encoded + stats.reused + stats.failed;
    return {
      photos,
      seconds: (ended - started) / 1000,
      stepRates,
      step,
      cpuMsPerPhoto: (used.user + used.system) / 1000 / Math.max(1, photos),
      modelMsPerPhoto: (stats.modelSeconds * 1000) / Math.max(1, stats.encoded),
      writeSeconds: {
        vectors: stats.vectorsWriteSeconds,
        contents: stats.contentsWriteSeconds,
        files: stats.filesWriteSeconds,
        compaction: stats.compactSeconds,
      },
      finishingSeconds: lastDone > 0 ? (ended - lastAt) / 1000 : 0,
      photoCount: (await core.library.status()).photoCount,
    };
  } finally {
    await core.close();
  }
}

export interface BigLibraryWatch {
  /** RSS once the library is open and up to date, before watching (MiB). */
  idleRssMiB: number;
  /** RSS once the watcher is ready (MiB), and a few seconds later after a full collection (as idle). */
  readyRssMiB: number;
  settledRssMiB: number;
  /** Seconds from the watcher's start (after the up-to-date index) until it is ready. */
  readySeconds: number;
  /** The up-to-date index startWatching runs first. */
  indexSeconds: number;
  warning: string | undefined;
}

const rssMiB = () => process.memoryUsage().rss / 1024 / 1024;

/**
 * A full garbage collection, so that memory compared before and after watching is what is kept, not
 * what the up-to-date index run left for the collector (which swung the figure by ±200 MB between runs).
 */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

/** Phase 3, in its own process (phase.ts 'big-library-watch'): watching the indexed library. */
export async function measureBigLibraryWatch(options: { dataDir: string }): Promise<BigLibraryWatch> {
  const core = await openCore({ dataDir: options.dataDir, model: 'demo' });
  try {
    await core.library.index();
    await core.status();
    await new Promise((r) => setTimeout(r, 2000));
    collectGarbage();
    const idleRssMiB = rssMiB();
    let indexedAt = 0;
    const off = core.library.onProgress((p) => {
      if (p.phase === 'done') indexedAt = performance.now();
    });
    const started = performance.now();
    await core.library.startWatching();
    const ready = performance.now();
    off();
    const readyRssMiB = rssMiB();
    await new Promise((r) => setTimeout(r, 5000));
    collectGarbage();
    const settledRssMiB = rssMiB();
    const status = await core.status();
    return {
      idleRssMiB,
      readyRssMiB,
      settledRssMiB,
      readySeconds: (ready - (indexedAt || started)) / 1000,
      indexSeconds: ((indexedAt || ready) - started) / 1000,
      warning: status.watchWarning,
    };
  } finally {
    await core.close();
  }
}

export interface BigLibraryResult {
  size: number;
  date: string;
  loadAverage: { start: number[]; end: number[] };
  /** Set when the indexing figures are an earlier run's (`reuseIndex`): when it ran, its load. */
  indexedAt?: { date: string; loadAverage: { start: number[]; end: number[] } };
  generatedSeconds: number;
  indexing: BigLibraryIndexing;
  indexingPeakRssMiB: number;
  /** `lookbook index` in a new process with nothing changed: wall seconds, and what it printed. */
  restart: { seconds: number; output: string };
  watch: BigLibraryWatch;
  watchPeakRssMiB: number;
}

type PhaseRunner = <T>(name: string, options: object) => Promise<{ result: T; peakRssMiB: number }>;

/**
 * Runs `lookbook index` (nothing changed) as a user runs it, `bin/lookbook.js` over the compiled core
 * (built first when stale, untimed), and times it from spawn to exit, Node's start included.
 */
async function timeRestart(root: string, dataDir: string): Promise<{ seconds: number; output: string }> {
  const build = spawnSync(process.execPath, [join('scripts', 'build-core.mjs'), '--if-stale'], {
    cwd: root,
    encoding: 'utf8',
  });
  if (build.status !== 0) throw new Error(`could not compile the core: ${build.stdout}${build.stderr}`);
  const started = performance.now();
  const child = spawn(process.execPath, [join('bin', 'lookbook.js'), '--data-dir', dataDir, 'index'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const code = await new Promise<number | null>((res) => child.on('exit', res));
  if (code !== 0) throw new Error(`lookbook index failed: ${output}`);
  return {
    seconds: (performance.now() - started) / 1000,
    output: output.trim().split('\n').slice(-1)[0] ?? '',
  };
}

/** The whole phase: photos, index, restart, watch; writes big-library.json and returns the figures. */
export async function runBigLibrary(options: {
  root: string;
  outDir: string;
  size: number;
  /**
   * Keep the library indexed by the last run (and that run's indexing figures, with its date): only the
   * restart and the watcher are measured again, e.g. after a change to either.
   */
  reuseIndex?: boolean;
  runPhase: PhaseRunner;
  log: (m: string) => void;
}): Promise<BigLibraryResult> {
  const { outDir, size, log } = options;
  const start = loadavg();
  const photos = await ensureBigLibraryPhotos(join(outDir, 'big-library', 'photos'), size, log);
  const dataDir = join(outDir, 'big-library', `data-${size}`);
  const resultPath = join(outDir, `big-library-${size}.json`);
  let indexed: { result: BigLibraryIndexing; peakRssMiB: number };
  let indexedAt: BigLibraryResult['indexedAt'];
  if (options.reuseIndex) {
    const last = JSON.parse(
      await readFile(resultPath, 'utf8').catch(() => 'null'),
    ) as BigLibraryResult | null;
    if (!last || !existsSync(dataDir)) throw new Error(`--reuse-index: no indexed library at ${dataDir} yet`);
    indexed = { result: last.indexing, peakRssMiB: last.indexingPeakRssMiB };
    indexedAt = last.indexedAt ?? { date: last.date, loadAverage: last.loadAverage };
    log(`big library: reusing the library indexed ${indexedAt.date}`);
  } else {
    log(`big library: indexing ${photos.folders.length * BIG_LIBRARY_STEP} photos`);
    indexed = await options.runPhase<BigLibraryIndexing>('big-library-index', {
      dataDir,
      folders: photos.folders,
    });
  }
  const ix = indexed.result;
  log(
    `big library: ${ix.photos} photos in ${ix.seconds.toFixed(0)} s; per ${ix.step}: ` +
      ix.stepRates.map((r) => r.toFixed(1)).join(', ') +
      ' photos/s',
  );
  const restart = await timeRestart(options.root, dataDir);
  log(`big library: restart with nothing changed ${restart.seconds.toFixed(1)} s (${restart.output})`);
  const watched = await options.runPhase<BigLibraryWatch>('big-library-watch', { dataDir });
  const w = watched.result;
  log(
    `big library: watcher ready in ${w.readySeconds.toFixed(1)} s, ` +
      `${(w.settledRssMiB - w.idleRssMiB).toFixed(0)} MB above idle (${w.idleRssMiB.toFixed(0)} MB)`,
  );
  const result: BigLibraryResult = {
    size: ix.photos,
    date: new Date().toISOString(),
    loadAverage: { start, end: loadavg() },
    ...(indexedAt ? { indexedAt } : {}),
    generatedSeconds: photos.generatedSeconds,
    indexing: ix,
    indexingPeakRssMiB: indexed.peakRssMiB,
    restart,
    watch: w,
    watchPeakRssMiB: watched.peakRssMiB,
  };
  await writeFileAtomic(resultPath, `${JSON.stringify(result, null, 2)}\n`);
  return result;
}

const f1 = (x: number) => x.toFixed(1);
const n = (x: number) => x.toLocaleString('en');
const pass = (ok: boolean) => (ok ? 'met' : '**not met**');

/** The report's section (between the markers, kept by later runs that do not measure it). */
export function renderBigLibrary(r: BigLibraryResult): string {
  const ix = r.indexing;
  const first = ix.stepRates[0] ?? 0;
  const last = ix.stepRates[ix.stepRates.length - 1] ?? 0;
  const ratio = first > 0 ? last / first : 0;
  const writes = ix.writeSeconds;
  const written = writes.vectors + writes.contents + writes.files + writes.compaction;
  const share = (s: number) => `${f1(s)} s (${((s / ix.seconds) * 100).toFixed(1)}% of the run)`;
  const aboveIdle = r.watch.settledRssMiB - r.watch.idleRssMiB;
  const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(' ');
  return [
    BIG_LIBRARY_SECTION_START,
    `## Big library, ${r.size.toLocaleString('en')} photos (bench/big-library.ts)`,
    '',
    `16×12-pixel generated JPEGs (distinct), demo model, ${r.date.slice(0, 16).replace('T', ' ')} UTC; ` +
      `load average ${load(r.loadAverage.start)} at the start, ${load(r.loadAverage.end)} at the end ` +
      '(a shared machine: the ratios, measured in one run, matter more than the absolute figures).' +
      (r.indexedAt
        ? ` The indexing rows are from the run that indexed the library, ${r.indexedAt.date.slice(0, 16).replace('T', ' ')} UTC ` +
          `(load ${load(r.indexedAt.loadAverage.start)} at its start); the restart and watcher rows were measured again on it.`
        : ''),
    '',
    '| | measured | target |',
    '| --- | --- | --- |',
    `| photos/s, first ${n(ix.step)} → last ${n(ix.step)} | ${f1(first)} → ${f1(last)} (${(ratio * 100).toFixed(0)}%) | last ≥ 80% of first: ${pass(ratio >= 0.8)} |`,
    `| photos/s per ${n(ix.step)} | ${ix.stepRates.map(f1).join(', ')} | |`,
    `| whole index | ${f1(ix.seconds)} s, ${f1(ix.cpuMsPerPhoto)} ms of CPU per photo, model ${f1(ix.modelMsPerPhoto)} ms per photo | |`,
    `| writes: vectors / contents / files / compaction (wall time; a write runs beside decoding and the model) | ${share(writes.vectors)} / ${share(writes.contents)} / ${share(writes.files)} / ${share(writes.compaction)}; ${share(written)} in all | |`,
    `| the run's end (orphans, compaction, indexes) | ${f1(ix.finishingSeconds)} s | |`,
    `| peak memory while indexing | ${r.indexingPeakRssMiB.toFixed(0)} MB | |`,
    `| restart with nothing changed (\`lookbook index\` in a new process, the compiled core as \`bin/lookbook.js\` runs it, Node's start included) | ${f1(r.restart.seconds)} s ("${r.restart.output}"); in a process already open: ${f1(r.watch.indexSeconds)} s | ≤ 5 s: ${pass(r.restart.seconds <= 5)} |`,
    `| watcher ready | ${f1(r.watch.readySeconds)} s (after an up-to-date index of ${f1(r.watch.indexSeconds)} s) | ≤ 10 s: ${pass(r.watch.readySeconds <= 10)} |`,
    `| watcher memory above idle (both after a full garbage collection) | ${aboveIdle >= 0 ? `${aboveIdle.toFixed(0)} MB` : `none measurable (RSS ${(-aboveIdle).toFixed(0)} MB lower once ready: the heap shrank meanwhile)`} (idle ${r.watch.idleRssMiB.toFixed(0)} MB, ready ${r.watch.readyRssMiB.toFixed(0)} MB, peak ${r.watchPeakRssMiB.toFixed(0)} MB) | ≤ 300 MB: ${pass(aboveIdle <= 300)} |`,
    ...(r.watch.warning ? [`| watcher notice | ${r.watch.warning} | |`] : []),
    '',
    `\`npm run bench -- --phase big-library --big-library-size ${r.size}\`` +
      (r.generatedSeconds
        ? ` (the photos were generated in ${r.generatedSeconds.toFixed(0)} s, then cached)`
        : ''),
    BIG_LIBRARY_SECTION_END,
  ].join('\n');
}

/** `previous` report with its big-library section replaced by `section` (appended when it had none). */
export function replaceBigLibrarySection(previous: string, section: string): string {
  const a = previous.indexOf(BIG_LIBRARY_SECTION_START);
  const b = previous.indexOf(BIG_LIBRARY_SECTION_END);
  if (a < 0 || b < a) return `${previous.replace(/\n*$/, '')}\n\n${section}\n`;
  return previous.slice(0, a) + section + previous.slice(b + BIG_LIBRARY_SECTION_END.length);
}

/** Reads a report file, or '' when there is none yet. */
export async function readReport(path: string): Promise<string> {
  return readFile(path, 'utf8').catch(() => '');
}
