// npm run bench [-- --quick] [-- --sweep]: measures Lookbook on this machine and writes BENCHMARKS.md.
// (1) model-only images/s, (2) end-to-end indexing images/s on 12-MP JPEGs through the real library,
// (3) text-query latency at 10k and 100k photos, (4) peak memory; ratios from the same run.
// Each phase runs in its own process (phase.ts) so that its peak RSS is its own.
import { spawn } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CLIP_PRESETS, clipParamCounts, visionMacsPerImage } from '../models/tools/random-clip.js';
import { ensureBenchModel } from './bench-model.js';
import { renderBigLibrary, replaceBigLibrarySection, runBigLibrary } from './big-library.js';
import type { IndexingBenchOptions, IndexingResult, IndexingSettings } from './indexing-throughput.js';
import { runAnnScale } from './ann-report.js';
import { describeMachine } from './machine.js';
import {
  linkPhotoSubset,
  renderPeersSection,
  runPeers,
  withPeersSection,
  type PeersResult,
} from './peers/run-peers.js';
import type { ModelThroughput } from './model-throughput.js';
import type { PhaseName } from './phase.js';
import { BENCH_QUERIES } from './query-latency.js';
import { measureColdSearches, rerunQueries } from './query-rerun.js';
import type { QueryScaleResult } from './query-phase.js';
import type { SearchWhileIndexing } from './search-while-indexing.js';
import { keepOwnSections, renderReport, throughputRatio, type BenchResults } from './report.js';
import type { StageCost } from './stage-profile.js';
import { ensureSyntheticPhotos } from './synthetic-photos.js';
import { writeFileAtomic } from '../main/temp-files.js';
import type { TextEncodingComparison } from './text-encoding.js';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));

interface Plan {
  photos: number;
  warmup: number;
  modelRounds: number;
  indexingRounds: number;
  queryScales: number[];
  queryRounds: number;
  queries: readonly string[];
}

const FULL: Plan = {
  photos: 48,
  warmup: 8,
  modelRounds: 4,
  indexingRounds: 2,
  queryScales: [10_000, 100_000],
  queryRounds: 2,
  queries: BENCH_QUERIES,
};

/** Photos of the big-library phase (issue 17's size; `--big-library-size` for quicker runs). */
const BIG_LIBRARY_PHOTOS = 100_000;

const QUICK: Plan = {
  photos: 16,
  warmup: 4,
  modelRounds: 2,
  indexingRounds: 1,
  queryScales: [10_000],
  queryRounds: 1,
  queries: BENCH_QUERIES.slice(0, 10),
};

const SWEEP: { label: string; settings: IndexingSettings }[] = [
  { label: 'decodeConcurrency 1', settings: { decodeConcurrency: 1 } },
  { label: 'decodeConcurrency 2', settings: { decodeConcurrency: 2 } },
  { label: 'sharp.concurrency(1)', settings: { sharpConcurrency: 1 } },
  { label: 'onnxruntime threads 1', settings: { threads: 1 } },
  { label: 'onnxruntime spin-waiting on', settings: { spinWait: true } },
];

function log(message: string): void {
  console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);
}

/** What `--phase indexing` measures, merged into the last full run's figures. */
type IndexingRerun = Pick<
  BenchResults,
  | 'machine'
  | 'loadAverageAtEnd'
  | 'modelOnly'
  | 'indexing'
  | 'sweep'
  | 'profile'
  | 'searchWhileIndexing'
  | 'peakRss'
> & { command: string };

/** Reads last-run.json as late as possible, replaces the indexing figures, writes it and the report. */
async function mergeIndexingRerun(
  outDir: string,
  reportPath: string,
  rerun: IndexingRerun,
): Promise<BenchResults> {
  const last = JSON.parse(await readFile(join(outDir, 'last-run.json'), 'utf8')) as BenchResults;
  const base = last.command.replace(/ \(indexing rerun: [^)]*\)/g, '');
  const merged: BenchResults = {
    ...last,
    ...rerun,
    command: `${base} (indexing rerun: ${rerun.command})`,
    peakRss: {
      ...Object.fromEntries(
        Object.entries(last.peakRss).filter(
          ([k]) => !k.startsWith('indexing') && k !== 'model only' && k !== 'stage profile',
        ),
      ),
      ...rerun.peakRss,
    },
  };
  await writeFile(
    reportPath,
    keepOwnSections(await readFile(reportPath, 'utf8').catch(() => ''), renderReport(merged)),
  );
  await writeFile(join(outDir, 'last-run.json'), JSON.stringify(merged, null, 2));
  return merged;
}

/** Runs one phase in a child process; returns its result and peak RSS. */
async function phase<T>(
  name: PhaseName,
  options: object,
  workDir: string,
): Promise<{ result: T; peakRssMiB: number }> {
  const resultFile = join(workDir, `result-${name}-${Date.now()}.json`);
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'bench', 'phase.ts'), name, JSON.stringify(options), resultFile],
    { stdio: ['ignore', 'inherit', 'inherit'], cwd: ROOT },
  );
  const code = await new Promise<number | null>((res, rej) => {
    child.on('error', rej);
    child.on('exit', res);
  });
  if (code !== 0) throw new Error(`bench phase '${name}' failed (exit code ${code})`);
  const parsed = JSON.parse(await readFile(resultFile, 'utf8')) as { result: T; peakRssMiB: number };
  await rm(resultFile, { force: true });
  return parsed;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean' },
      sweep: { type: 'boolean' },
      out: { type: 'string' },
      report: { type: 'string' },
      'render-only': { type: 'boolean' },
      phase: { type: 'string' },
      'big-library-size': { type: 'string' },
      'reuse-index': { type: 'boolean' },
      sizes: { type: 'string' },
      peers: { type: 'boolean' },
      'peers-rounds': { type: 'string' },
      'peers-photos': { type: 'string' },
      'int8-model': { type: 'string' },
      'max-load': { type: 'string' },
      'max-wait': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(
      'usage: npm run bench [-- --quick] [-- --sweep] [-- --render-only] [-- --phase indexing|queries|big-library|ann-scale] [-- --big-library-size 100000 [--reuse-index]] [-- --sizes 100000,1000000] [-- --out bench/out] [-- --report BENCHMARKS.md]\n' +
        '       npm run bench -- --peers [--peers-rounds 3] [--peers-photos 168] [--int8-model <folder>] [--max-load 0.8] [--max-wait 60]',
    );
    return 0;
  }
  if (values.peers) {
    const outDir = resolve(values.out ?? join(ROOT, 'bench', 'out'));
    const reportPath = resolve(values.report ?? join(ROOT, 'BENCHMARKS.md'));
    if (values['render-only']) {
      const last = JSON.parse(
        await readFile(join(outDir, 'peers', 'last-peers-run.json'), 'utf8'),
      ) as PeersResult;
      const previous = await readFile(reportPath, 'utf8').catch(() => '');
      await writeFile(reportPath, withPeersSection(previous, renderPeersSection(last)));
      return 0;
    }
    const model = await ensureBenchModel(outDir, 'vit-b-32');
    const count = Number(values['peers-photos'] ?? 168);
    const photoSet = await ensureSyntheticPhotos({ dir: join(outDir, 'photos'), count });
    const photoDir = linkPhotoSubset(photoSet.dir, count, join(outDir, 'peers', 'photos'));
    const result = await runPeers({
      root: ROOT,
      outDir,
      modelDir: model.dir,
      photoDir,
      rounds: Number(values['peers-rounds'] ?? 3),
      ...(values['int8-model'] ? { int8ModelDir: values['int8-model'] } : {}),
      maxLoad: Number(values['max-load'] ?? 0.8),
      maxWaitSeconds: Number(values['max-wait'] ?? 60),
      reportPath,
      log,
    });
    await writeFile(
      reportPath,
      withPeersSection(await readFile(reportPath, 'utf8').catch(() => ''), renderPeersSection(result)),
    );
    log(`peers: wrote ${relative(process.cwd(), reportPath)}`);
    return 0;
  }
  if (values['render-only'] && values.phase === 'indexing') {
    const outDir = resolve(values.out ?? join(ROOT, 'bench', 'out'));
    const rerun = JSON.parse(await readFile(join(outDir, 'last-indexing-run.json'), 'utf8')) as IndexingRerun;
    await mergeIndexingRerun(outDir, resolve(values.report ?? join(ROOT, 'BENCHMARKS.md')), rerun);
    return 0;
  }
  if (values['render-only']) {
    // Rewrites the report from the last run's figures (after a change to report.ts), measuring nothing.
    const outDir = resolve(values.out ?? join(ROOT, 'bench', 'out'));
    const last = JSON.parse(await readFile(join(outDir, 'last-run.json'), 'utf8')) as BenchResults;
    const report = resolve(values.report ?? join(ROOT, 'BENCHMARKS.md'));
    const previous = await readFile(report, 'utf8').catch(() => '');
    await writeFile(report, keepOwnSections(previous, renderReport(last)));
    return 0;
  }
  const started = performance.now();
  const plan = values.quick ? QUICK : FULL;
  if (
    values.phase !== undefined &&
    values.phase !== 'indexing' &&
    values.phase !== 'queries' &&
    values.phase !== 'big-library' &&
    values.phase !== 'ann-scale'
  )
    throw new Error(
      `--phase ${values.phase}: only 'indexing', 'queries', 'big-library' or 'ann-scale' can be rerun on its own`,
    );
  const outDir = resolve(values.out ?? join(ROOT, 'bench', 'out'));
  const reportPath = resolve(values.report ?? join(ROOT, 'BENCHMARKS.md'));
  if (values.phase === 'ann-scale') {
    await runAnnScale({
      runPhase: (name, options) => phase(name, options, outDir),
      outDir,
      reportPath,
      sizes: values.sizes,
      log,
    });
    return 0;
  }
  const bigLibrarySize = Number(values['big-library-size'] ?? BIG_LIBRARY_PHOTOS);
  if (!Number.isInteger(bigLibrarySize) || bigLibrarySize < 10_000)
    throw new Error('--big-library-size: a whole number of photos, at least 10000');
  /** The big-library phase (its own section of the report); in every full run, or alone. */
  const bigLibrary = async () => {
    const work = join(outDir, 'work-big-library');
    await mkdir(work, { recursive: true });
    const result = await runBigLibrary({
      root: ROOT,
      outDir,
      size: bigLibrarySize,
      reuseIndex: values['reuse-index'] === true,
      runPhase: (name, options) => phase(name as PhaseName, options, work),
      log,
    });
    await writeFileAtomic(
      reportPath,
      replaceBigLibrarySection(await readFile(reportPath, 'utf8').catch(() => ''), renderBigLibrary(result)),
    );
    await rm(work, { recursive: true, force: true });
  };
  if (values.phase === 'big-library') {
    await bigLibrary();
    return 0;
  }
  if (values.phase === 'queries') {
    // Its own work folder: an indexing run may be using bench/out/work at the same time.
    const queryWork = join(outDir, 'work-queries');
    await mkdir(queryWork, { recursive: true });
    await rerunQueries({
      runPhase: (name, options) => phase(name, options, queryWork),
      outDir,
      reportPath,
      modelDir: (await ensureBenchModel(outDir, 'vit-b-32')).dir,
      scales: plan.queryScales,
      rounds: plan.queryRounds,
      queries: plan.queries,
      log,
    });
    await rm(queryWork, { recursive: true, force: true });
    return 0;
  }
  const workDir = join(outDir, 'work');
  await rm(workDir, { recursive: true, force: true });
  await mkdir(workDir, { recursive: true });
  const machine = describeMachine();
  log(`${machine.cpu}, ${machine.cores} cores, load average ${machine.loadAverage.join(' ')}`);

  const preset = 'vit-b-32' as const;
  const model = await ensureBenchModel(outDir, preset);
  log(
    model.generatedSeconds
      ? `generated the model in ${model.generatedSeconds.toFixed(0)} s`
      : 'model: cached',
  );
  const photoSet = await ensureSyntheticPhotos({
    dir: join(outDir, 'photos'),
    count: plan.photos + plan.warmup,
  });
  log(
    `${photoSet.files.length} photos, ${(photoSet.bytes / photoSet.files.length / 1e6).toFixed(1)} MB each` +
      (photoSet.generatedSeconds ? ` (generated in ${photoSet.generatedSeconds.toFixed(0)} s)` : ' (cached)'),
  );
  const warmup = photoSet.files.slice(0, plan.warmup);
  const measured = photoSet.files.slice(plan.warmup);
  const peakRss: Record<string, number> = {};

  const modelOnly: ModelThroughput[] = [];
  const runModel = async () => {
    const r = await phase<ModelThroughput>(
      'model',
      { model: model.dir, photos: measured.slice(0, 4), batch: 16, rounds: plan.modelRounds },
      workDir,
    );
    modelOnly.push(r.result);
    peakRss['model only'] = Math.max(peakRss['model only'] ?? 0, r.peakRssMiB);
    log(`model only: ${r.result.imagesPerSecond.toFixed(2)} images/s`);
  };
  const runIndexing = async (label: string, settings: IndexingSettings, rounds = plan.indexingRounds) => {
    const options: IndexingBenchOptions = {
      model: model.dir,
      photos: measured,
      warmup,
      workDir: join(workDir, 'indexing'),
      rounds,
      settings,
    };
    const r = await phase<IndexingResult>('indexing', options, workDir);
    peakRss[`indexing (${label})`] = r.peakRssMiB;
    log(`indexing, ${label}: ${r.result.imagesPerSecond.toFixed(2)} images/s`);
    return r.result;
  };

  await runModel();
  const shrinkOn = await runIndexing('shrink-on-load on', {});
  // Shrink-on-load is part of the indexer's single decode now (media/index-read.ts): no 'off' run.
  const shrinkOff: IndexingResult | undefined = undefined;
  await runModel();
  const sweep: BenchResults['sweep'] = [];
  if (values.sweep) {
    for (const s of SWEEP) sweep.push({ label: s.label, result: await runIndexing(s.label, s.settings, 1) });
  }
  const whileIndexing = await phase<SearchWhileIndexing>(
    'search-while-indexing',
    { model: model.dir, photos: measured, workDir: join(workDir, 'search-while-indexing') },
    workDir,
  );
  log(
    `search while indexing: p50 ${whileIndexing.result.duringIndexing.p50.toFixed(0)} ms ` +
      `(idle ${whileIndexing.result.idle.p50.toFixed(0)} ms)`,
  );
  if (values.phase === 'indexing') {
    // Only the model-only and indexing figures (and the stage profile) are measured again; the rest comes
    // from the last run. Saved on their own too: a `--phase queries` run may rewrite last-run.json from
    // an older read while this one measures (merge again with `--phase indexing --render-only`).
    const profile = await phase<StageCost[]>(
      'profile',
      { model: model.dir, photos: measured.slice(0, 5), batch: 16 },
      workDir,
    );
    const [a, b, c] = loadavg();
    const rerun: IndexingRerun = {
      command: `npm run bench -- --phase indexing${values.sweep ? ' --sweep' : ''}`,
      machine,
      loadAverageAtEnd: [a!, b!, c!].map((x) => Math.round(x * 100) / 100) as [number, number, number],
      modelOnly,
      indexing: { shrinkOn },
      sweep: values.sweep ? sweep : [],
      profile: profile.result,
      searchWhileIndexing: whileIndexing.result,
      peakRss: { ...peakRss, 'stage profile': profile.peakRssMiB },
    };
    await writeFile(join(outDir, 'last-indexing-run.json'), JSON.stringify(rerun, null, 2));
    const merged = await mergeIndexingRerun(outDir, reportPath, rerun);
    log(`end-to-end / model-only: ${(throughputRatio(merged) * 100).toFixed(0)}%`);
    return 0;
  }
  const profile = await phase<StageCost[]>(
    'profile',
    { model: model.dir, photos: measured.slice(0, 5), batch: 16 },
    workDir,
  );
  peakRss['stage profile'] = profile.peakRssMiB;
  log('stage profile done');

  const text = await phase<TextEncodingComparison>(
    'text',
    { model: model.dir, queries: plan.queries, rounds: plan.queryRounds },
    workDir,
  );
  log(
    `query encoding: dynamic ${text.result.dynamic.p50.toFixed(1)} ms, padded ${text.result.padded.p50.toFixed(1)} ms`,
  );

  const queries: QueryScaleResult[] = [];
  for (const photos of plan.queryScales) {
    const r = await phase<QueryScaleResult>(
      'queries',
      {
        model: model.dir,
        photos,
        rounds: plan.queryRounds,
        cacheDir: join(outDir, 'libraries'),
        queries: plan.queries,
      },
      workDir,
    );
    queries.push(r.result);
    peakRss[`queries, ${photos.toLocaleString('en')} photos`] = r.peakRssMiB;
    const q = r.result.libraryUses === 'indexed' && r.result.indexed ? r.result.indexed : r.result.flat;
    log(`queries at ${photos}: p50 ${q.search.p50.toFixed(1)} ms, p95 ${q.search.p95.toFixed(1)} ms`);
  }

  const coldSearch = await measureColdSearches((name, options) => phase(name, options, workDir), {
    modelDir: model.dir,
    cacheDir: join(outDir, 'libraries'),
    photos: plan.queryScales[0]!,
    log,
  });

  const presetInfo = CLIP_PRESETS[preset];
  const counts = clipParamCounts(presetInfo);
  const [a, b, c] = loadavg();
  const results: BenchResults = {
    quick: Boolean(values.quick),
    command: `npm run bench${values.quick ? ' -- --quick' : ''}${values.sweep ? ' -- --sweep' : ''}`,
    machine,
    loadAverageAtEnd: [a!, b!, c!].map((x) => Math.round(x * 100) / 100) as [number, number, number],
    totalSeconds: (performance.now() - started) / 1000,
    model: {
      preset,
      dir: relative(ROOT, model.dir) || model.dir,
      visionParams: counts.vision,
      textParams: counts.text,
      visionGflops: (2 * visionMacsPerImage(presetInfo)) / 1e9,
    },
    photos: {
      count: photoSet.files.length,
      width: photoSet.width,
      height: photoSet.height,
      meanMB: photoSet.bytes / photoSet.files.length / 1e6,
    },
    modelOnly,
    indexing: { shrinkOn, ...(shrinkOff ? { shrinkOff } : {}) },
    sweep,
    profile: profile.result,
    queries,
    searchWhileIndexing: whileIndexing.result,
    coldSearch,
    text: text.result,
    peakRss,
  };
  await writeFile(
    reportPath,
    keepOwnSections(await readFile(reportPath, 'utf8').catch(() => ''), renderReport(results)),
  );
  await writeFile(join(outDir, 'last-run.json'), JSON.stringify(results, null, 2));
  await rm(workDir, { recursive: true, force: true });
  // Last, and not in quick runs: 100,000 photos take most of an hour on a shared 2-core machine.
  if (!values.quick || values['big-library-size'] !== undefined) await bigLibrary();
  log(
    `end-to-end / model-only: ${(throughputRatio(results) * 100).toFixed(0)}%; wrote ${relative(process.cwd(), reportPath)} ` +
      `in ${results.totalSeconds.toFixed(0)} s`,
  );
  return 0;
}

main().then(
  (code) => (process.exitCode = code),
  (e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exitCode = 1;
  },
);
