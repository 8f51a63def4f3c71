// npm run bench -- --phase queries: measures the text-query latency again (section 3) without the
// indexing phases, and merges it into bench/out/last-run.json and BENCHMARKS.md; everything else in the
// report comes from the last full run.
import { readFile, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import type { ColdSearch } from './cold-search.js';
import { describeMachine } from './machine.js';
import type { PhaseName } from './phase.js';
import type { QueryScaleResult } from './query-phase.js';
import { keepOwnSections, renderReport, type BenchResults } from './report.js';
import { median } from './stats.js';

export type PhaseRunner = <T>(name: PhaseName, options: object) => Promise<{ result: T; peakRssMiB: number }>;

/** Fresh processes, each opening the library and running one search: the median is reported. */
const COLD_RUNS = 3;

/** Cold starts of a search on the `photos`-photo flat library the query phase left in `cacheDir`. */
export async function measureColdSearches(
  runPhase: PhaseRunner,
  options: { modelDir: string; cacheDir: string; photos: number; log: (message: string) => void },
): Promise<NonNullable<BenchResults['coldSearch']>> {
  const runs: ColdSearch[] = [];
  let peakRssMiB = 0;
  for (let i = 0; i < COLD_RUNS; i++) {
    const r = await runPhase<ColdSearch>('cold-search', {
      model: options.modelDir,
      dataDir: join(options.cacheDir, `queries-${options.photos}`, 'flat'),
      query: 'red dress on a white background',
    });
    runs.push(r.result);
    peakRssMiB = Math.max(peakRssMiB, r.peakRssMiB);
  }
  const result = {
    photos: options.photos,
    runs,
    openMs: median(runs.map((r) => r.openMs)),
    firstSearchMs: median(runs.map((r) => r.firstSearchMs)),
    peakRssMiB,
  };
  options.log(
    `cold search at ${options.photos}: open ${result.openMs.toFixed(0)} ms, first search ` +
      `${result.firstSearchMs.toFixed(0)} ms, peak RSS ${peakRssMiB.toFixed(0)} MiB`,
  );
  return result;
}

export async function rerunQueries(options: {
  runPhase: PhaseRunner;
  outDir: string;
  reportPath: string;
  modelDir: string;
  scales: number[];
  rounds: number;
  queries: readonly string[];
  log: (message: string) => void;
}): Promise<void> {
  const last = JSON.parse(await readFile(join(options.outDir, 'last-run.json'), 'utf8')) as BenchResults;
  const started = new Date().toISOString();
  const loadAtStart = describeMachine().loadAverage;
  const queries: QueryScaleResult[] = [];
  const peakRss: Record<string, number> = {};
  for (const photos of options.scales) {
    const r = await options.runPhase<QueryScaleResult>('queries', {
      model: options.modelDir,
      photos,
      rounds: options.rounds,
      cacheDir: join(options.outDir, 'libraries'),
      queries: options.queries,
    });
    queries.push(r.result);
    peakRss[`queries, ${photos.toLocaleString('en')} photos`] = r.peakRssMiB;
    const q = r.result.libraryUses === 'indexed' && r.result.indexed ? r.result.indexed : r.result.flat;
    options.log(`queries at ${photos}: p50 ${q.search.p50.toFixed(1)} ms, p95 ${q.search.p95.toFixed(1)} ms`);
  }
  const coldSearch = await measureColdSearches(options.runPhase, {
    modelDir: options.modelDir,
    cacheDir: join(options.outDir, 'libraries'),
    photos: options.scales[0]!,
    log: options.log,
  });
  const [a, b, c] = loadavg();
  const round = (x: number) => Math.round(x * 100) / 100;
  const merged: BenchResults = {
    ...last,
    queries,
    coldSearch,
    queriesRun: {
      command: 'npm run bench -- --phase queries',
      date: started,
      loadAverageAtStart: loadAtStart,
      loadAverageAtEnd: [round(a!), round(b!), round(c!)],
    },
    peakRss: {
      ...Object.fromEntries(Object.entries(last.peakRss).filter(([k]) => !k.startsWith('queries'))),
      ...peakRss,
    },
  };
  await writeFile(
    options.reportPath,
    keepOwnSections(await readFile(options.reportPath, 'utf8').catch(() => ''), renderReport(merged)),
  );
  await writeFile(join(options.outDir, 'last-run.json'), JSON.stringify(merged, null, 2));
}
