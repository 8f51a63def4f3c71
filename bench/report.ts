// BENCHMARKS.md from one run's results: the machine, the absolute figures, and the ratios between
// figures measured in the same run (which survive a noisy machine better than absolute ones do).
import type { IndexingResult } from './indexing-throughput.js';
import type { MachineInfo } from './machine.js';
import type { ModelThroughput } from './model-throughput.js';
import { FIRST_CANDIDATES, MAX_CANDIDATES } from '../main/search/searcher.js';
import type { QueryLatency } from './query-latency.js';
import { LIBRARY_ANN_THRESHOLD, type QueryScaleResult } from './query-phase.js';
import { DJPEG_STAGE, HEIC_STAGE } from './stage-profile.js';
import type { StageCost } from './stage-profile.js';
import type { TextEncodingComparison } from './text-encoding.js';
import type { ColdSearch } from './cold-search.js';
import type { SearchWhileIndexing } from './search-while-indexing.js';
import { median } from './stats.js';

export const RATIO_TARGET = 0.85;
export const QUERY_P50_TARGET_MS = 50;

export interface BenchResults {
  quick: boolean;
  command: string;
  machine: MachineInfo;
  /** Load averages at the end of the run. */
  loadAverageAtEnd: [number, number, number];
  totalSeconds: number;
  model: { preset: string; dir: string; visionParams: number; textParams: number; visionGflops: number };
  photos: { count: number; width: number; height: number; meanMB: number };
  /** Model-only runs before and after the indexing runs (bracketing them). */
  modelOnly: ModelThroughput[];
  indexing: { shrinkOn: IndexingResult; shrinkOff?: IndexingResult };
  sweep: { label: string; result: IndexingResult }[];
  profile: StageCost[];
  queries: QueryScaleResult[];
  /** Set when section 3 was measured on its own (`--phase queries`) after the run the rest comes from. */
  queriesRun?: {
    command: string;
    date: string;
    loadAverageAtStart: [number, number, number];
    loadAverageAtEnd: [number, number, number];
  };
  text?: TextEncodingComparison;
  /** Search latency while the library indexes, and idle (section 3). */
  searchWhileIndexing?: SearchWhileIndexing;
  /** Opening the library and its first search in fresh processes (section 3). */
  coldSearch?: {
    photos: number;
    runs: ColdSearch[];
    openMs: number;
    firstSearchMs: number;
    peakRssMiB: number;
  };
  /** Peak RSS (MiB) of each phase's process. */
  peakRss: Record<string, number>;
}

const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : 'n/a');
const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : 'n/a');
const f0 = (x: number) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en') : 'n/a');
const pct = (x: number) => (Number.isFinite(x) ? `${Math.round(x * 100)}%` : 'n/a');

/** Model-only images/s: the median of every round of every bracketing run. */
export function modelOnlyImagesPerSecond(r: BenchResults): number {
  return median(r.modelOnly.flatMap((m) => m.perRound));
}

export function throughputRatio(r: BenchResults): number {
  return r.indexing.shrinkOn.imagesPerSecond / modelOnlyImagesPerSecond(r);
}

/** The query p50 the library gives at the largest size measured, with its default index choice. */
export function headlineQuery(r: BenchResults): { photos: number; latency: QueryLatency } | undefined {
  const largest = [...r.queries].sort((a, b) => b.photos - a.photos)[0];
  if (!largest) return undefined;
  const latency = largest.libraryUses === 'indexed' && largest.indexed ? largest.indexed : largest.flat;
  return { photos: largest.photos, latency };
}

function table(header: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

function indexingRows(label: string, x: IndexingResult): (string | number)[] {
  const run = x.runs[0]!;
  return [
    label,
    f2(x.imagesPerSecond),
    x.runs.map((r) => f2(r.imagesPerSecond)).join(', '),
    f2(x.modelImagesPerSecondInRun),
    f0(x.cpuSecondsPerImage * 1000),
    f1(median(x.runs.map((r) => r.meanBatch))),
    run.photos,
  ];
}

const STAGE_ORDER = [
  'hash',
  'decode once (probe, EXIF, thumbnail)',
  'metadata',
  'thumbnail',
  'image input',
  'preprocess',
  'model',
  'db: vectors',
  'db: contents',
  'db: files',
  'db: optimize',
];

export function renderReport(r: BenchResults): string {
  const out: string[] = [];
  const m = r.machine;
  const modelIps = modelOnlyImagesPerSecond(r);
  const ratio = throughputRatio(r);
  const head = headlineQuery(r);
  const modelCpu = median(r.modelOnly.map((x) => x.cpuSecondsPerImage));
  const e2e = r.indexing.shrinkOn;
  out.push(
    '# Benchmarks',
    '',
    `Written by \`${r.command}\` (bench/run-bench.ts) on ${m.date.slice(0, 10)}; regenerate rather than edit.` +
      (r.quick ? ' **Quick smoke run: small samples, figures are rough.**' : ''),
    '',
    '## Machine',
    '',
    table(
      ['', ''],
      [
        ['CPU', `${m.cpu}, ${m.cores} cores`],
        ['Memory', `${m.memoryGiB} GiB`],
        ['OS', m.os],
        ['Node', m.node],
        ['onnxruntime-node', m.onnxruntime],
        ['sharp / libvips', `${m.sharp} / ${m.libvips}`],
        ['LanceDB', m.lancedb],
        ['Date', m.date],
        ['Load average (1/5/15 min) at start', m.loadAverage.join(' / ')],
        ['Load average at end', r.loadAverageAtEnd.join(' / ')],
        ['Bench wall time', `${f0(r.totalSeconds)} s`],
      ],
    ),
    '',
    `A load average above the core count (${m.cores}) means other processes competed for the CPU during the run: ` +
      'absolute figures then understate the machine, while ratios measured in the same run (and CPU time per ' +
      'image, which waiting does not inflate) stay comparable. Figures are medians.',
    '',
    '## Model',
    '',
    `Random weights with the layer sizes of CLIP ${r.model.preset === 'vit-b-32' ? 'ViT-B/32' : r.model.preset} ` +
      `(models/tools/random-clip.ts, generated once into \`${r.model.dir}\`): vision tower ` +
      `${f0(r.model.visionParams)} parameters, ${f2(r.model.visionGflops)} GFLOPs/image; text tower ` +
      `${f0(r.model.textParams)} parameters. CPU execution provider, the engine's default threads.`,
    '',
    `Photos: ${r.photos.count} generated ${r.photos.width}×${r.photos.height} JPEGs (${(
      (r.photos.width * r.photos.height) /
      1e6
    ).toFixed(0)} MP, gradients, textures, soft-edged shapes, sensor noise, camera EXIF; ` +
      `mean ${f1(r.photos.meanMB)} MB), cached in bench/out/photos.`,
    '',
    '## Summary',
    '',
    table(
      ['figure', 'measured', 'target'],
      [
        [
          'End-to-end indexing / model-only throughput',
          `**${pct(ratio)}** (${f2(e2e.imagesPerSecond)} / ${f2(modelIps)} images/s)`,
          `≥ ${pct(RATIO_TARGET)}: ${ratio >= RATIO_TARGET ? 'met' : '**not met**'}`,
        ],
        [
          'CPU time per image: model only / end to end',
          `${f0(modelCpu * 1000)} / ${f0(e2e.cpuSecondsPerImage * 1000)} ms (${pct(modelCpu / e2e.cpuSecondsPerImage)})`,
          '(the ratio an idle machine whose cores the model saturates would reach)',
        ],
        ...(head
          ? [
              [
                `Text query p50 / p95 at ${f0(head.photos)} photos (encode + search)`,
                `**${f0(head.latency.search.p50)}** / ${f0(head.latency.search.p95)} ms`,
                `p50 ≤ ${QUERY_P50_TARGET_MS} ms: ${head.latency.search.p50 <= QUERY_P50_TARGET_MS ? 'met' : '**not met**'}`,
              ],
            ]
          : []),
        ...(r.coldSearch
          ? [
              [
                `Opening a ${f0(r.coldSearch.photos)}-photo library + its first search (fresh process)`,
                `${f0(r.coldSearch.openMs)} + ${f0(r.coldSearch.firstSearchMs)} ms`,
                '',
              ],
            ]
          : []),
        ['Peak RSS while indexing', `${f0(r.peakRss['indexing (shrink-on-load on)'] ?? Number.NaN)} MiB`, ''],
        [
          'Peak RSS, largest query library',
          `${f0(
            Math.max(
              ...Object.entries(r.peakRss)
                .filter(([k]) => k.startsWith('queries'))
                .map(([, v]) => v),
            ),
          )} MiB`,
          '',
        ],
      ],
    ),
    '',
    '## 1. Model-only throughput',
    '',
    `Preprocessed tensors straight into \`engine.embedImageTensors\`, batches of ${r.modelOnly[0]?.batch ?? '?'} ` +
      "(the indexer's batch size), one warm-up batch per run; one run before and one after the indexing runs.",
    '',
    table(
      ['run', 'images/s (median)', 'rounds (images/s)', 'CPU ms/image'],
      r.modelOnly.map((x, i) => [
        i === 0 ? 'before indexing' : 'after indexing',
        f2(x.imagesPerSecond),
        x.perRound.map(f2).join(', '),
        f0(x.cpuSecondsPerImage * 1000),
      ]),
    ),
    '',
    `Model-only throughput used for the ratio (median of all rounds): **${f2(modelIps)} images/s**.`,
    '',
    '## 2. End-to-end indexing throughput',
    '',
    'A library (`openCore`) with the model, one folder of the photos, `library.index()` timed from the call ' +
      'to its return: scan, SHA-256, EXIF, WebP thumbnail, decode + CLIP preprocessing, inference, LanceDB ' +
      'writes and the final compaction. Each round re-indexes the folder from scratch (the folder is removed ' +
      "between rounds, which drops its rows and thumbnails); a warm-up folder is indexed first. The library's " +
      'default settings unless stated.',
    '',
    table(
      [
        'configuration',
        'images/s (median)',
        'rounds',
        'model images/s inside the run',
        'CPU ms/image',
        'images per model call',
        'photos/round',
      ],
      [
        indexingRows('shrink-on-load on (default)', e2e),
        ...(r.indexing.shrinkOff ? [indexingRows('shrink-on-load off', r.indexing.shrinkOff)] : []),
        ...r.sweep.map((s) => indexingRows(s.label, s.result)),
      ],
    ),
    '',
    '"Model images/s inside the run" is encoded images per second spent in the model during indexing: below ' +
      'the model-only figure, it shows how much decoding running beside inference slows the model down.',
    '',
    '### Busy time per stage (first round, default settings)',
    '',
    'Milliseconds inside each stage summed over its calls, per photo. Decoders run in parallel with each ' +
      'other and with the model, so the column does not add up to the wall time; a stage busy much longer ' +
      'here than in the serial profile below is waiting for a core.',
    '',
    table(
      ['stage', 'ms/photo in the pipeline', 'ms/photo alone (serial, wall)', 'CPU ms/photo alone'],
      STAGE_ORDER.filter((s) => e2e.runs[0]!.busyMs[s] !== undefined).map((s) => {
        const alone = r.profile.find((p) => p.stage.startsWith(stageProfileName(s)));
        return [
          s,
          f1(e2e.runs[0]!.busyMs[s]! / e2e.runs[0]!.photos),
          alone ? f1(alone.wallMs) : '',
          alone ? f1(alone.cpuMs) : '',
        ];
      }),
    ),
    '',
    ...analysis(r),
    '### Serial stage profile',
    '',
    'Each stage on its own, one photo at a time, nothing else running in the process (median over the photos).',
    '',
    table(
      ['stage', 'wall ms/photo', 'CPU ms/photo'],
      r.profile.map((p) => [p.stage, f1(p.wallMs), f1(p.cpuMs)]),
    ),
    '',
  );
  out.push('## 3. Text-query latency', '');
  out.push(
    'Stored vectors are synthetic (random unit 512-d vectors with matching content and file rows, written ' +
      'through the library\'s store); the query text goes through the real text tower. "search" is ' +
      '`core.search.search(text)`: encoding, the vector search (its first fetch of ' +
      `${f0(FIRST_CANDIDATES)} candidates, widened to ${f0(MAX_CANDIDATES)} only when the cut-off keeps ` +
      'all of them), the adaptive cut-off, and the join of the page shown (50 results) with its paths ' +
      'and content rows; the other columns time its parts on their own. "flat" is LanceDB\'s ' +
      'brute-force scan, "ANN index" the index `store.optimize` builds (IVF_FLAT since issue 18, IVF_PQ ' +
      `before: see "Search at a million photos"; the library builds it from ${f0(LIBRARY_ANN_THRESHOLD)} vectors). "recall@10" is the share of the exact 10 nearest neighbours (a brute-force ` +
      "scan) among the first 10 of the searcher's first fetch. Random vectors have no clusters, the " +
      "worst case for both the index (an IVF partition holds no more of a query's neighbours than any " +
      'other, so recall is about the share of partitions probed; real CLIP embeddings cluster) and the ' +
      'cut-off (more results kept than a real library would).',
    '',
  );
  if (r.queriesRun) {
    const q = r.queriesRun;
    out.push(
      `Measured on its own with \`${q.command}\` on ${q.date.slice(0, 16).replace('T', ' ')} UTC, ` +
        `after the run the other sections come from; load average ${q.loadAverageAtStart.join(' / ')} at ` +
        `its start, ${q.loadAverageAtEnd.join(' / ')} at its end.`,
      '',
    );
  }
  const qrows: (string | number)[][] = [];
  for (const q of r.queries) {
    const add = (label: string, l: QueryLatency, used: boolean) =>
      qrows.push([
        `${f0(q.photos)}`,
        `${label}${used ? ' (library default)' : ''}`,
        `**${f1(l.search.p50)}** / ${f1(l.search.p95)}`,
        `${f1(l.encode.p50)} / ${f1(l.encode.p95)}`,
        l.vectorSearchFirst ? f1(l.vectorSearchFirst.p50) : '—',
        `${f1(l.vectorSearch.p50)} / ${f1(l.vectorSearch.p95)}`,
        `${f1(l.vectorSearchPage.p50)}`,
        `${f1(l.join.p50)}`,
        l.recallAt10 !== undefined ? f2(l.recallAt10) : '—',
        f0(l.medianResults),
      ]);
    add('flat', q.flat, q.libraryUses === 'flat');
    if (q.indexed) add('ANN index', q.indexed, q.libraryUses === 'indexed');
  }
  out.push(
    table(
      [
        'photos',
        'search',
        'search p50 / p95 ms',
        'encode p50 / p95 ms',
        `vector search (${f0(FIRST_CANDIDATES)}) p50 ms`,
        `vector search (${f0(MAX_CANDIDATES)}) p50 / p95 ms`,
        'vector search (50) p50 ms',
        'join (page) p50 ms',
        'recall@10',
        'results kept',
      ],
      qrows,
    ),
    '',
    table(
      ['photos', 'writing the rows (s)', 'building the ANN index (s)', 'built'],
      r.queries.map((q) => [
        f0(q.photos),
        f1(q.fillSeconds),
        q.indexBuildSeconds ? f1(q.indexBuildSeconds) : '—',
        q.reused
          ? `${q.builtAt.slice(0, 16).replace('T', ' ')} UTC (cached libraries reused)`
          : 'in this run',
      ]),
    ),
    '',
  );
  const withAlbums = r.queries.filter((q) => q.albums);
  if (withAlbums.length > 0) {
    out.push(
      '### Opening an album',
      '',
      'In the same libraries (the one the library uses by default at each size): the first page ' +
        `(100 photos) of a manual album of ${f0(withAlbums[0]!.albums!.albumPhotos)} photos, in album order; ` +
        "of a smart album (a saved search of the first query above), in the search's order; and the " +
        'album list with both albums, their counts and covers. Target: a first page within 50 ms.',
      '',
      table(
        ['photos', 'manual album p50 / p95 ms', 'smart album p50 / p95 ms', 'album list p50 / p95 ms'],
        withAlbums.map((q) => {
          const a = q.albums!;
          return [
            f0(q.photos),
            `**${f1(a.manual.p50)}** / ${f1(a.manual.p95)}`,
            `**${f1(a.smart.p50)}** / ${f1(a.smart.p95)}`,
            `${f1(a.list.p50)} / ${f1(a.list.p95)}`,
          ];
        }),
      ),
      '',
    );
  }
  const timelines = r.queries.filter((q) => q.timeline);
  if (timelines.length > 0) {
    out.push(
      '### The Photos view at scale',
      '',
      "`photos.timeline` (every month's count) then `photos.month` for the newest month: what the Photos " +
        'view asks for after navigation (target ≤ 300 ms). "Cold" is the first time after the library ' +
        'opened (one bulk read of the indexed paths and the contents\' dates, sizes and formats); "warm" ' +
        'reuses that read until the tables change.',
      '',
      table(
        ['photos', 'months', 'photos in the newest month', 'cold ms', 'warm p50 / p95 ms'],
        timelines.map((q) => {
          const t = q.timeline!;
          return [
            f0(q.photos),
            t.months,
            t.firstMonthPhotos,
            f1(t.coldFirstScreen),
            `${f1(t.warmFirstScreen.p50)} / ${f1(t.warmFirstScreen.p95)}`,
          ];
        }),
      ),
      '',
    );
  }
  if (r.text) {
    const t = r.text;
    out.push(
      '### Query encoding: dynamic length vs padded to 77',
      '',
      `${t.dynamic.n} encodings each of everyday queries (median ` +
        `${t.medianTokens} tokens) through the text tower, padded only to their own length (the engine with a ` +
        `dynamic-length export) or to the full ${t.contextLength}-token context (fixed-shape exports).`,
      '',
      table(
        ['rows', 'p50 ms', 'p95 ms'],
        [
          ['dynamic length', f1(t.dynamic.p50), f1(t.dynamic.p95)],
          [`padded to ${t.contextLength}`, f1(t.padded.p50), f1(t.padded.p95)],
          ['padded / dynamic (p50)', `${f1(t.padded.p50 / t.dynamic.p50)}×`, ''],
        ],
      ),
      '',
    );
  }
  if (r.searchWhileIndexing) {
    const w = r.searchWhileIndexing;
    out.push(
      '### Searching while the library indexes',
      '',
      `\`core.search.search\` every 200 ms while \`library.index()\` encodes ${w.photos} of the 12-MP photos ` +
        `(${f1(w.indexingSeconds)} s), then the same queries on the idle library (of those ${w.photos} photos: ` +
        'the search itself is small, and the figures show what waits for the model). Each tower has its own ' +
        "inference worker: a query's text is encoded beside the image batches, not after them.",
      '',
      table(
        ['', 'p50 ms', 'p95 ms', 'max ms', 'searches'],
        [
          [
            'while indexing',
            f0(w.duringIndexing.p50),
            f0(w.duringIndexing.p95),
            f0(w.duringIndexing.max),
            f0(w.duringIndexing.n),
          ],
          ['idle', f0(w.idle.p50), f0(w.idle.p95), f0(w.idle.max), f0(w.idle.n)],
        ],
      ),
      '',
    );
  }
  if (r.coldSearch) {
    const c = r.coldSearch;
    out.push(
      '### Opening a library and its first search',
      '',
      `What \`lookbook search\` waits for before the query itself, in a fresh process each time ` +
        `(${c.runs.length} runs, the ${f0(c.photos)}-photo flat library): \`openCore\` (LanceDB, the ` +
        "tokenizer and the text tower's onnxruntime session; the vision tower is only loaded for images) and " +
        "the first `core.search.search`. Node's own start and the CLI's module loading come on top.",
      '',
      table(
        ['', 'median', 'runs'],
        [
          ['open the library (ms)', f0(c.openMs), c.runs.map((x) => f0(x.openMs)).join(', ')],
          ['first search (ms)', f0(c.firstSearchMs), c.runs.map((x) => f0(x.firstSearchMs)).join(', ')],
          ['RSS after it (MiB)', f0(median(c.runs.map((x) => x.rssMiB))), `peak ${f0(c.peakRssMiB)}`],
        ],
      ),
      '',
    );
  }
  out.push(
    '## 4. Peak memory',
    '',
    "RSS high-water mark (`process.resourceUsage().maxRSS`) of each phase's own process (the engine's " +
      'inference worker and LanceDB included). A query phase that built its libraries in this run (see ' +
      'section 3) includes writing the rows and building the ANN index.',
    '',
    table(
      ['phase', 'peak RSS (MiB)'],
      Object.entries(r.peakRss).map(([k, v]) => [k, f0(v)]),
    ),
    '',
    '## Running it',
    '',
    '```',
    'npm run bench              # the full run; writes BENCHMARKS.md',
    'npm run bench -- --quick   # a smoke run (about a minute); rough figures',
    'npm run bench -- --sweep   # also tries other indexer settings',
    'npm run bench -- --render-only   # rewrites BENCHMARKS.md from bench/out/last-run.json',
    'npm run bench -- --phase queries # measures section 3 again, keeps the rest of the last run',
    'npm run bench -- --phase indexing [--sweep]  # sections 1 and 2 again, keeps the rest',
    '```',
    '',
    'The model (605 MB), the photos and the 10k/100k query libraries (with their ANN index) are generated ' +
      'into bench/out/ (git-ignored) on the first run and reused: a first run takes several minutes longer ' +
      '(building the 100k index took minutes here), later ones about 7 minutes on 2 cores. Delete ' +
      'bench/out/libraries to rebuild them. Run on a quiet machine: other processes show up in the load ' +
      'average above.',
    '',
  );
  return out.join('\n');
}

/**
 * Why the end-to-end figure is what it is, from this run's numbers: on a machine whose cores the model
 * already fills, every CPU millisecond spent outside the model is taken from it.
 */
function analysis(r: BenchResults): string[] {
  const stage = (prefix: string) => r.profile.find((p) => p.stage.startsWith(prefix))?.cpuMs ?? Number.NaN;
  const modelCpu = median(r.modelOnly.map((x) => x.cpuSecondsPerImage)) * 1000;
  const e2eCpu = r.indexing.shrinkOn.cpuSecondsPerImage * 1000;
  const decode = stage('decode only (1/8');
  const djpeg = r.profile.find((p) => p.stage === DJPEG_STAGE)?.cpuMs;
  const heic = r.profile.find((p) => p.stage === HEIC_STAGE)?.cpuMs;
  const thumb = stage('thumbnail');
  const pre = stage('preprocess, shrink-on-load on');
  const once = stage('decode once → thumbnail + CLIP tensor (indexer)');
  const hash = stage('hash');
  const other = stage('metadata') + stage('image input');
  const outside = e2eCpu - modelCpu;
  const boundNow = modelCpu / e2eCpu;
  const floor = modelCpu + decode + hash;
  const budget = modelCpu * (1 / RATIO_TARGET - 1);
  return [
    '### Where the end-to-end time goes',
    '',
    `- The model costs **${f0(modelCpu)} ms of CPU per image** on its own; indexing costs **${f0(e2eCpu)} ms** ` +
      `per photo, so ${f0(outside)} ms per photo (${pct(outside / e2eCpu)}) goes to everything else. ` +
      'On an idle machine, where the model alone keeps every core busy, throughput follows CPU time per ' +
      `image, so end-to-end / model-only cannot exceed about **${pct(boundNow)}** on ${r.machine.cores} cores, ` +
      'whatever the overlap. (On a loaded machine the measured ratio can come out higher: the indexing ' +
      'process, with more runnable threads, wins a larger share of the contended cores than the model alone.)',
    `- The JPEG decode is the floor: ${f0(decode)} ms for one 12-MP decode even at 1/8 scale (shrink-on-load ` +
      'skips the inverse DCT, not the entropy decoding of the whole file)' +
      (djpeg === undefined
        ? " (install libjpeg-turbo-progs to compare with libjpeg-turbo's own decoder)."
        : `; libjpeg-turbo's own decoder, \`djpeg -scale 1/8\`, takes ${f0(djpeg)} ms for the same files.`) +
      ` The indexer decodes each photo once (main/media/index-read.ts): ${f0(once)} ms for the probe, EXIF, ` +
      `the WebP thumbnail and the CLIP tensor together, where two decodes would cost ${f0(thumb)} ms ` +
      `(thumbnail) + ${f0(pre)} ms (preprocessing) + ${f0(other)} ms (EXIF and header probes). ` +
      "onnxruntime's threads do not spin-wait (see the sweep).",
    `- What is left outside the model is mostly that decode and the SHA-256 content id (${f0(hash)} ms); ` +
      `LanceDB writes are a few ms per photo. Model + decode + hash alone is ${f0(floor)} ms per photo: ` +
      `about **${pct(modelCpu / floor)}** of model-only throughput is the ceiling for these photos on ` +
      `${r.machine.cores} cores, however the pipeline is arranged` +
      (djpeg === undefined
        ? '.'
        : `, and **${pct(modelCpu / (modelCpu + djpeg + hash))}** with libjpeg-turbo's command-line decoder ` +
          'and nothing else (no thumbnail, no metadata, no database).'),
    `- Reaching ${pct(RATIO_TARGET)} on ${r.machine.cores} cores would need everything outside the model under ` +
      `${f0(budget)} ms of CPU per photo, less than one decode of these photos: ` +
      'the target holds where the model does not occupy every core (a GPU, more cores than onnxruntime uses, ' +
      'smaller photos), not for 12-MP JPEGs on 2 CPU cores.',
    ...(heic === undefined
      ? []
      : [
          `- Phone photos in HEIC cost far more: the same photo as a HEIC takes ${f0(heic)} ms of CPU to decode ` +
            `(${f1(heic / decode)}× the JPEG's), in heic-decode (libheif in WebAssembly; sharp's prebuilt ` +
            'libvips has no HEVC decoder), off the main thread. An all-HEIC library indexes at roughly ' +
            `${f1((1000 * r.machine.cores) / (e2eCpu - decode + heic))} photos/s here.`,
        ]),
    '',
  ];
}

/** The serial profile's name for a pipeline stage. */
function stageProfileName(stage: string): string {
  switch (stage) {
    case 'hash':
      return 'hash';
    case 'metadata':
      return 'metadata';
    case 'thumbnail':
      return 'thumbnail';
    case 'image input':
      return 'image input';
    case 'preprocess':
      // The indexer's preprocess starts from decoded pixels: its serial cost is inside the decode-once row.
      return '\u0000';
    case 'decode once (probe, EXIF, thumbnail)':
      return 'decode once → thumbnail + CLIP tensor (indexer)';
    case 'model':
      return 'model';
    default:
      return '\u0000';
  }
}

/** The markers around the peers' section (written by `npm run bench -- --peers` alone). */
export const PEERS_SECTION_START = '<!-- peers bench: start -->';
export const PEERS_SECTION_END = '<!-- peers bench: end -->';
/** The markers around bench/photos-view.ts's own section of BENCHMARKS.md (written by that script alone). */
export const PHOTOS_VIEW_SECTION_START = '<!-- photos-view bench: start -->';
export const PHOTOS_VIEW_SECTION_END = '<!-- photos-view bench: end -->';
/** The markers around bench/model-precision.ts's section (int8 vs fp32). */
export const MODEL_PRECISION_SECTION_START = '<!-- model-precision bench: start -->';
export const MODEL_PRECISION_SECTION_END = '<!-- model-precision bench: end -->';

/** The markers around bench/big-library.ts's section (written by the big-library phase alone). */
export const BIG_LIBRARY_SECTION_START = '<!-- big-library bench: start -->';
export const BIG_LIBRARY_SECTION_END = '<!-- big-library bench: end -->';

/** The markers around bench/media-cost.ts's own section of BENCHMARKS.md (written by that script alone). */
export const MEDIA_COST_SECTION_START = '<!-- media-cost bench: start -->';
export const MEDIA_COST_SECTION_END = '<!-- media-cost bench: end -->';

/** The markers around the ann-scale phase's section ("Search at a million photos"). */
export const ANN_SCALE_SECTION_START = '<!-- ann-scale bench: start -->';
export const ANN_SCALE_SECTION_END = '<!-- ann-scale bench: end -->';

/** Sections of BENCHMARKS.md that their own benchmark writes, carried over when the main report is rewritten. */
const OWN_SECTIONS: readonly [string, string][] = [
  [PHOTOS_VIEW_SECTION_START, PHOTOS_VIEW_SECTION_END],
  [BIG_LIBRARY_SECTION_START, BIG_LIBRARY_SECTION_END],
  [MEDIA_COST_SECTION_START, MEDIA_COST_SECTION_END],
  [MODEL_PRECISION_SECTION_START, MODEL_PRECISION_SECTION_END],
  [PEERS_SECTION_START, PEERS_SECTION_END],
  [ANN_SCALE_SECTION_START, ANN_SCALE_SECTION_END],
];

/** `report` with the sections of `previous` (the file it replaces) that other benchmarks write carried over at its end. */
export function keepOwnSections(previous: string, report: string): string {
  let out = report.replace(/\n*$/, '');
  for (const [start, end] of OWN_SECTIONS) {
    const a = previous.indexOf(start);
    const b = previous.indexOf(end);
    if (a >= 0 && b > a) out += `\n\n${previous.slice(a, b + end.length)}`;
  }
  return `${out}\n`;
}
