// int8 vs fp32 on the model alone (issue 15 item 1): the bench's ViT-B/32-sized model, its vision tower
// quantized by Lookbook (`lookbook models quantize --towers vision`), run on the same preprocessed bench
// photos in interleaved rounds, plus how closely the int8 embeddings agree with the fp32 ones over those
// photos. Writes its own section of BENCHMARKS.md (bench/run-bench.ts keeps it when it rewrites the file).
//   nice -n 10 node --import tsx bench/model-precision.ts [--photos 24] [--rounds 3]
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createClipEngine } from '../main/engine/clip-engine.js';
import { quantizeModel, type QuantizeResult } from '../main/models/quantize.js';
import { writeFileAtomic } from '../main/temp-files.js';
import { ensureBenchModel } from './bench-model.js';
import { measureModelThroughput, type ModelThroughput } from './model-throughput.js';
import { MODEL_PRECISION_SECTION_END, MODEL_PRECISION_SECTION_START } from './report.js';
import { median } from './stats.js';
import { ensureSyntheticPhotos } from './synthetic-photos.js';

const { values: args } = parseArgs({
  options: {
    photos: { type: 'string', default: '24' },
    rounds: { type: 'string', default: '3' },
    batch: { type: 'string', default: '16' },
    out: { type: 'string', default: 'bench/out' },
  },
});
const outDir = resolve(args.out);
const photoCount = Number(args.photos);
const interleaves = Number(args.rounds);
const batch = Number(args.batch);

const load = () => loadavg().map((l) => Number(l.toFixed(2)));
const log = (m: string) => process.stderr.write(`${m}\n`);

async function int8Model(
  fp32Dir: string,
): Promise<{ dir: string; report?: QuantizeResult; seconds: number }> {
  const dataDir = join(outDir, 'precision');
  const dir = join(dataDir, 'models', 'vit-b-32-int8');
  if (existsSync(join(dir, 'lookbook-model.json'))) return { dir, seconds: 0 };
  const t0 = performance.now();
  const report = await quantizeModel({
    dataDir,
    model: fp32Dir,
    precision: 'int8',
    towers: ['vision'],
    threads: 2,
    onProgress: (p) => log(`  ${p.message}`),
  });
  return { dir, report, seconds: (performance.now() - t0) / 1000 };
}

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i]! * b[i]!; // both are L2-normalized by the engine
  return dot;
}

async function embedAll(model: string, photos: string[]): Promise<Float32Array[]> {
  const engine = await createClipEngine({ model, device: 'cpu' });
  try {
    return await engine.embedImages(photos);
  } finally {
    await engine.close();
  }
}

async function main(): Promise<void> {
  const loadBefore = load();
  log(`load average ${loadBefore.join(' / ')}`);
  const model = await ensureBenchModel(outDir, 'vit-b-32');
  const photos = await ensureSyntheticPhotos({ dir: join(outDir, 'photos'), count: photoCount });
  log(`quantizing ${model.dir} (vision tower)`);
  const int8 = await int8Model(model.dir);

  // Interleaved so that a change in the machine's load hits both alike.
  const runs: { fp32: ModelThroughput[]; int8: ModelThroughput[]; load: number[][] } = {
    fp32: [],
    int8: [],
    load: [],
  };
  for (let r = 0; r < interleaves; r++) {
    runs.load.push(load());
    for (const [name, dir] of [
      ['fp32', model.dir],
      ['int8', int8.dir],
    ] as const) {
      const t = await measureModelThroughput({
        model: dir,
        photos: photos.files.slice(0, 4),
        batch,
        rounds: 2,
      });
      runs[name].push(t);
      log(`round ${r + 1} ${name}: ${t.imagesPerSecond.toFixed(2)} images/s, load ${load()[0]}`);
    }
  }
  const ips = (list: ModelThroughput[]) => median(list.flatMap((t) => t.perRound));
  const cpu = (list: ModelThroughput[]) => median(list.map((t) => t.cpuSecondsPerImage));
  const ratios = runs.fp32.map((f, i) => runs.int8[i]!.imagesPerSecond / f.imagesPerSecond);

  log('embedding every photo with both models');
  const [a, b] = [await embedAll(model.dir, photos.files), await embedAll(int8.dir, photos.files)];
  const cos = a.map((v, i) => cosine(v, b[i]!)).sort((x, y) => x - y);
  const loadAfter = load();

  const f = (n: number, d = 2) => n.toFixed(d);
  const fp32Ips = ips(runs.fp32);
  const int8Ips = ips(runs.int8);
  const section = [
    MODEL_PRECISION_SECTION_START,
    '## int8 vs fp32, model only (bench/model-precision.ts)',
    '',
    `The bench's random-weight ViT-B/32-sized vision tower and its int8 copy made by \`lookbook models quantize --towers vision\` ` +
      `(DynamicQuantizeMatMul: int8 weights per output column, activations quantized at run time). Batches of ${batch} ` +
      `preprocessed bench photos, ${interleaves} interleaved rounds of 2 batches each, default threads, ${cpus().length} cores ` +
      `(${cpus()[0]?.model ?? 'unknown CPU'}). Load average (1/5/15 min) before ${loadBefore.join(' / ')}, ` +
      `at each round ${runs.load.map((l) => l[0]).join(', ')}, after ${loadAfter.join(' / ')}.`,
    '',
    '| | fp32 | int8 | int8 / fp32 | target |',
    '|---|---|---|---|---|',
    `| images/s (median of rounds) | ${f(fp32Ips)} | ${f(int8Ips)} | ${f(int8Ips / fp32Ips)} | ≥ 2 |`,
    `| CPU seconds per image | ${f(cpu(runs.fp32), 3)} | ${f(cpu(runs.int8), 3)} | ${f(cpu(runs.int8) / cpu(runs.fp32))} | |`,
    `| int8 / fp32 per interleaved round | | | ${ratios.map((r) => f(r)).join(', ')} | |`,
    '',
    `Agreement over the ${cos.length} bench photos (cosine of each photo's int8 embedding to its fp32 one): median ` +
      `${f(median(cos), 5)}, minimum ${f(cos[0]!, 5)}.` +
      (int8.report
        ? ` The quantizer's own check (16 generated pictures): median ${f(int8.report.agreement.images!.median, 5)}, ` +
          `minimum ${f(int8.report.agreement.images!.min, 5)}; the model folder with the int8 vision tower takes ` +
          `${(int8.report.sizeBytes / 1e6).toFixed(0)} MB against ${(int8.report.originalSizeBytes / 1e6).toFixed(0)} MB; ` +
          `converted in ${f(int8.seconds, 0)} s.`
        : ''),
    '',
    `CPU seconds per image is the steadier comparison when the machine is busy: with a load above its ${cpus().length} ` +
      "cores, onnxruntime's threads wait for each other whenever one of them is descheduled, which stretches the " +
      'wall-clock time of the longer fp32 run far more than its CPU time. Here int8 needed ' +
      `${f(cpu(runs.fp32) / cpu(runs.int8))}× less CPU per image than fp32.`,
    '',
    'The weights are random (no outliers as trained weights have), so a trained model may agree a little less; ' +
      '`lookbook models quantize` refuses any conversion whose lowest agreement is under 0.95.',
    MODEL_PRECISION_SECTION_END,
  ].join('\n');
  const file = 'BENCHMARKS.md';
  const old = existsSync(file) ? await readFile(file, 'utf8') : '';
  const s = old.indexOf(MODEL_PRECISION_SECTION_START);
  const e = old.indexOf(MODEL_PRECISION_SECTION_END);
  await writeFileAtomic(
    file,
    s >= 0 && e > s
      ? old.slice(0, s) + section + old.slice(e + MODEL_PRECISION_SECTION_END.length)
      : `${old.replace(/\n*$/, '')}\n\n${section}\n`,
  );
  process.stdout.write(`${section}\n`);
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e instanceof Error ? (e.stack ?? e.message) : e);
    process.exit(1);
  },
);
