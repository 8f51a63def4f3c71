// `npm run bench -- --peers`: Lookbook beside what a user would run instead, on the same photos and a
// model of the same size, interleaved round by round, each run a fresh process timed as a whole with
// /usr/bin/time (wall and CPU), with the 1-minute load average when it started. Writes its section of
// BENCHMARKS.md (kept by the main report) and bench/out/peers/last-peers-run.json.
//
// Pipelines, end to end (photos on disk → one embedding per photo):
// - Lookbook: `lookbook index` on a fresh data directory with the model imported and in use (hashing,
//   EXIF, thumbnails and the database included, as users run it).
// - transformers.js (bench/peers/transformers-js.mjs): RawImage.read + the processor + the model.
// - PyTorch + PIL (bench/peers/pytorch-pil.py), with and without PIL's JPEG draft mode.
// And model-only, one preprocessed batch of 16: Lookbook's engine and transformers.js on the same ONNX
// file, PyTorch on its own graph of the same size.
//
// int8 (the hook for `lookbook models quantize`): `--int8-model <folder>` names a quantized model folder.
// Lookbook then also indexes with it, and transformers.js runs its `q8` dtype on the same vision file
// (linked as onnx/vision_model_quantized.onnx, the name transformers.js's repositories use). PyTorch's
// int8 (dynamic quantization of its Linear layers) needs nothing and always runs.
import { spawn } from 'node:child_process';
import { existsSync, linkSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { readModelFolder } from '../../main/engine/model-folder.js';
import type { ModelThroughput } from '../model-throughput.js';
import { PEERS_SECTION_END, PEERS_SECTION_START } from '../report.js';
import { median } from '../stats.js';
import {
  DEBIAN_PYTHON,
  ensurePeers,
  OPENBLAS_PTHREAD,
  TRANSFORMERS_JS,
  type PeerInstall,
} from './install.js';

export interface PeersOptions {
  root: string;
  outDir: string;
  /** The bench model folder (Hugging Face layout, random ViT-B/32 weights). */
  modelDir: string;
  /** A folder of JPEGs: every pipeline embeds all of them. */
  photoDir: string;
  rounds: number;
  /** A quantized Lookbook model folder (int8), if one was made. */
  int8ModelDir?: string;
  /** Wait (up to maxWaitSeconds) for the 1-minute load average to drop below this before each run. */
  maxLoad: number;
  maxWaitSeconds: number;
  reportPath: string;
  log: (m: string) => void;
}

type Kind = 'end to end' | 'model only';

interface Pipeline {
  name: string;
  kind: Kind;
  precision: 'fp32' | 'int8';
  /** Which peer it is, for the ratios: Lookbook's rows are compared with each other row. */
  lookbook: boolean;
  /** The command to time, and what to do before it (untimed). */
  prepare(round: number): {
    command: string[];
    env?: Record<string, string>;
    cwd?: string;
    setup?: () => Promise<void>;
  };
}

export interface PeerRun {
  pipeline: string;
  kind: Kind;
  precision: 'fp32' | 'int8';
  round: number;
  loadAtStart: number;
  wallSeconds: number;
  cpuSeconds: number;
  /** End to end: photos / wall seconds; model only: the median of the peer's own timed rounds. */
  imagesPerSecond: number;
  cpuMsPerImage: number;
}

export interface PeersResult {
  date: string;
  photos: number;
  rounds: number;
  int8Model?: string;
  runs: PeerRun[];
}

function run(
  command: string[],
  env: Record<string, string> = {},
  cwd?: string,
): Promise<{ stdout: string; code: number | null }> {
  return new Promise((res, rej) => {
    const child = spawn(command[0]!, command.slice(1), {
      cwd,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.on('error', rej);
    child.on('exit', (code) => res({ stdout, code }));
  });
}

async function checked(command: string[], env?: Record<string, string>, cwd?: string): Promise<string> {
  const r = await run(command, env, cwd);
  if (r.code !== 0) throw new Error(`${command.join(' ')} failed (exit code ${r.code})`);
  return r.stdout;
}

async function waitForLoad(maxLoad: number, maxWaitSeconds: number): Promise<number> {
  const until = Date.now() + maxWaitSeconds * 1000;
  while (loadavg()[0]! >= maxLoad && Date.now() < until) await new Promise((r) => setTimeout(r, 5000));
  return Math.round(loadavg()[0]! * 100) / 100;
}

/** The last JSON line a peer printed. */
function lastJson<T>(stdout: string): T {
  const line = stdout
    .trim()
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('{'));
  if (!line) throw new Error(`no JSON result in: ${stdout.slice(-300)}`);
  return JSON.parse(line) as T;
}

/** A folder in transformers.js's layout whose q8 file is the int8 model's vision tower. */
function transformersJsInt8Folder(peersDir: string, fp32Dir: string, visionInt8: string): string {
  const dir = join(peersDir, 'models', basename(fp32Dir));
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'onnx'), { recursive: true });
  for (const f of readdirSync(fp32Dir)) if (f !== 'onnx') symlinkSync(join(fp32Dir, f), join(dir, f));
  symlinkSync(join(fp32Dir, 'onnx', 'vision_model.onnx'), join(dir, 'onnx', 'vision_model.onnx'));
  symlinkSync(resolve(visionInt8), join(dir, 'onnx', 'vision_model_quantized.onnx'));
  return dir;
}

export async function runPeers(o: PeersOptions): Promise<PeersResult> {
  const peersDir = join(o.outDir, 'peers');
  const install: PeerInstall = ensurePeers(peersDir, o.log);
  // Lookbook as users run it: the compiled core (`npm install` builds it), not the sources through tsx.
  await checked([process.execPath, join(o.root, 'scripts', 'build-core.mjs')], {}, o.root);
  const photos = readdirSync(o.photoDir).filter((f) => /\.jpe?g$/i.test(f)).length;
  const work = join(peersDir, 'work');
  const lookbook = [process.execPath, join(o.root, 'bin', 'lookbook.js')];

  const lookbookIndex = (name: string, precision: 'fp32' | 'int8', modelDir: string): Pipeline => ({
    name,
    kind: 'end to end',
    precision,
    lookbook: true,
    prepare() {
      // A fresh library each round: every photo is new to it. The model import is setup, untimed.
      const dataDir = join(work, `lookbook-${precision}`);
      rmSync(dataDir, { recursive: true, force: true });
      const cli = (...args: string[]) => checked([...lookbook, '--data-dir', dataDir, ...args]);
      return {
        setup: async () => {
          await cli('models', 'import', modelDir, '--id', `bench-${precision}`);
          await cli('models', 'use', `bench-${precision}`);
          await cli('folders', 'add', o.photoDir);
        },
        command: [...lookbook, '--data-dir', dataDir, 'index'],
      };
    },
  });
  const tjsEnv = (dir: string) => ({ PEER_MODEL_DIR: resolve(dir, '..'), PEER_MODEL: basename(dir) });
  const tjs = (kind: Kind, precision: 'fp32' | 'int8', dir: string): Pipeline => ({
    name: `transformers.js${precision === 'int8' ? ' (q8)' : ''}`,
    kind,
    precision,
    lookbook: false,
    prepare: () => ({
      command: [
        process.execPath,
        install.transformersJsScript,
        o.photoDir,
        '--dtype',
        precision === 'int8' ? 'q8' : 'fp32',
        ...(kind === 'model only' ? ['--model-only'] : []),
      ],
      env: tjsEnv(dir),
      cwd: install.transformersJsDir,
    }),
  });
  const torch = (kind: Kind, precision: 'fp32' | 'int8', draft: boolean): Pipeline => ({
    name: `PyTorch + PIL${draft ? ', draft mode' : ''}${precision === 'int8' ? ' (int8 Linear)' : ''}`,
    kind,
    precision,
    lookbook: false,
    prepare: () => ({
      command: [
        DEBIAN_PYTHON,
        install.pytorchScript,
        o.photoDir,
        ...(draft ? ['--draft'] : []),
        ...(precision === 'int8' ? ['--int8'] : []),
        ...(kind === 'model only' ? ['--model-only'] : []),
      ],
      env: { LD_LIBRARY_PATH: OPENBLAS_PTHREAD },
    }),
  });
  // `spin`: onnxruntime's own default, spin-waiting on, which transformers.js keeps. Lookbook's vision
  // tower turns it off because indexing runs decoders beside the model (see onnx-sessions.ts); this row
  // shows what that costs the model alone, so both settings are compared with transformers.js.
  const engineModelOnly = (precision: 'fp32' | 'int8', modelDir: string, spin = false): Pipeline => ({
    name: `Lookbook engine${precision === 'int8' ? ' (int8)' : ''}${spin ? ', spin-waiting on' : ''}`,
    kind: 'model only',
    precision,
    lookbook: true,
    prepare: (round) => ({
      // bench/phase.ts's 'model' phase: the engine's embedImageTensors on a batch of 16, 4 timed rounds.
      command: [
        process.execPath,
        '--import',
        'tsx',
        join(o.root, 'bench', 'phase.ts'),
        'model',
        JSON.stringify({
          model: modelDir,
          photos: readdirSync(o.photoDir)
            .filter((f) => /\.jpe?g$/i.test(f))
            .slice(0, 4)
            .map((f) => join(o.photoDir, f)),
          batch: 16,
          rounds: 4,
          ...(spin ? { spinWait: true } : {}),
        }),
        join(work, `engine-${precision}${spin ? '-spin' : ''}-${round}.json`),
      ],
      cwd: o.root,
    }),
  });

  const pipelines: Pipeline[] = [
    engineModelOnly('fp32', o.modelDir),
    engineModelOnly('fp32', o.modelDir, true),
    tjs('model only', 'fp32', o.modelDir),
    torch('model only', 'fp32', false),
    lookbookIndex('Lookbook', 'fp32', o.modelDir),
    tjs('end to end', 'fp32', o.modelDir),
    torch('end to end', 'fp32', false),
    torch('end to end', 'fp32', true),
    torch('model only', 'int8', false),
    torch('end to end', 'int8', true),
  ];
  if (o.int8ModelDir) {
    const int8 = await readModelFolder(resolve(o.int8ModelDir));
    const tjsInt8 = transformersJsInt8Folder(peersDir, o.modelDir, int8.visionModelPath);
    pipelines.push(
      engineModelOnly('int8', resolve(o.int8ModelDir)),
      engineModelOnly('int8', resolve(o.int8ModelDir), true),
      tjs('model only', 'int8', tjsInt8),
      lookbookIndex('Lookbook (int8)', 'int8', resolve(o.int8ModelDir)),
      tjs('end to end', 'int8', tjsInt8),
    );
  }

  mkdirSync(work, { recursive: true });
  const runs: PeerRun[] = [];
  for (let round = 0; round < o.rounds; round++) {
    // Rotated each round so that no pipeline always runs right after the same neighbour.
    const order = pipelines.map((_, i) => pipelines[(i + round) % pipelines.length]!);
    for (const p of order) {
      const prepared = p.prepare(round);
      await prepared.setup?.();
      const loadAtStart = await waitForLoad(o.maxLoad, o.maxWaitSeconds);
      const timeFile = join(work, 'time.txt');
      const r = await run(
        ['/usr/bin/time', '-f', '%e %U %S', '-o', timeFile, ...prepared.command],
        prepared.env,
        prepared.cwd,
      );
      if (r.code !== 0) throw new Error(`${p.name} (${p.kind}) failed (exit code ${r.code})`);
      const [wall, user, sys] = readFileSync(timeFile, 'utf8')
        .trim()
        .split('\n')
        .pop()!
        .split(' ')
        .map(Number);
      const wallSeconds = wall!;
      const cpuSeconds = user! + sys!;
      let imagesPerSecond = photos / wallSeconds;
      let cpuMsPerImage = (cpuSeconds * 1000) / photos;
      if (p.kind === 'model only') {
        const m = p.lookbook
          ? (JSON.parse(readFileSync(prepared.command.at(-1)!, 'utf8')) as { result: ModelThroughput }).result
          : lastJson<{ perRound: number[]; cpuMsPerImage: number[] }>(r.stdout);
        imagesPerSecond = 'imagesPerSecond' in m ? m.imagesPerSecond : median(m.perRound);
        cpuMsPerImage = 'cpuSecondsPerImage' in m ? m.cpuSecondsPerImage * 1000 : median(m.cpuMsPerImage);
      }
      const entry = { pipeline: p.name, kind: p.kind, precision: p.precision, round, loadAtStart };
      runs.push({ ...entry, wallSeconds, cpuSeconds, imagesPerSecond, cpuMsPerImage });
      o.log(
        `peers round ${round + 1}/${o.rounds}: ${p.name}, ${p.kind}: ${imagesPerSecond.toFixed(2)} images/s, ` +
          `${cpuMsPerImage.toFixed(0)} ms CPU/image (load ${loadAtStart})`,
      );
    }
  }
  rmSync(work, { recursive: true, force: true });
  const result: PeersResult = {
    date: new Date().toISOString(),
    photos,
    rounds: o.rounds,
    ...(o.int8ModelDir ? { int8Model: o.int8ModelDir } : {}),
    runs,
  };
  await writeFile(join(peersDir, 'last-peers-run.json'), JSON.stringify(result, null, 2));
  return result;
}

interface Row {
  pipeline: string;
  kind: Kind;
  precision: 'fp32' | 'int8';
  ips: number;
  cpuMs: number;
  rounds: PeerRun[];
}

function rows(result: PeersResult): Row[] {
  const keys = [...new Set(result.runs.map((r) => `${r.kind}\u0000${r.pipeline}`))];
  return keys.map((k) => {
    const runs = result.runs.filter((r) => `${r.kind}\u0000${r.pipeline}` === k);
    return {
      pipeline: runs[0]!.pipeline,
      kind: runs[0]!.kind,
      precision: runs[0]!.precision,
      ips: median(runs.map((r) => r.imagesPerSecond)),
      cpuMs: median(runs.map((r) => r.cpuMsPerImage)),
      rounds: runs,
    };
  });
}

const f2 = (x: number) => x.toFixed(2);

/** The BENCHMARKS.md section, between its markers. */
export function renderPeersSection(result: PeersResult, cores = cpus().length): string {
  const all = rows(result);
  const find = (kind: Kind, name: string) => all.find((r) => r.kind === kind && r.pipeline === name);
  // Two ratios: wall-clock throughput (what a user waits for), and CPU time per image (what it costs
  // the machine, and what throughput would be on cores the pipeline had to itself: waiting for the CPU
  // on a busy machine inflates wall time, not CPU time).
  const ratio = (a: Row | undefined, b: Row | undefined, target?: number) => {
    if (!a || !b) return undefined;
    const x = a.ips / b.ips;
    const cpu = b.cpuMs / a.cpuMs;
    const verdict = (v: number) => (target === undefined ? '' : v >= target ? ' met' : ' **not met**');
    return (
      `| ${a.pipeline} / ${b.pipeline} (${a.kind}) | **${f2(x)}×** (${f2(a.ips)} / ${f2(b.ips)})${verdict(x)} ` +
      `| **${f2(cpu)}×** (${b.cpuMs.toFixed(0)} / ${a.cpuMs.toFixed(0)} ms)${verdict(cpu)} | ${target ? `≥ ${target}×` : ''} |`
    );
  };
  const loads = result.runs.map((r) => r.loadAtStart);
  const lines = [
    PEERS_SECTION_START,
    '## Peers: what a user would run instead (bench/peers, `npm run bench -- --peers`)',
    '',
    `${result.date.slice(0, 16).replace('T', ' ')} UTC, ${result.photos} photos (the bench's 12-MP JPEGs), ` +
      `${result.rounds} interleaved rounds (order rotated each round), medians. Each run is a fresh process ` +
      'timed whole by `/usr/bin/time` (model loading included); "images/s" end to end is photos / wall ' +
      "seconds, model only the median of the pipeline's own timed calls on one batch of 16. Same model " +
      "size everywhere: the bench's random ViT-B/32 ONNX file for Lookbook and transformers.js, " +
      "torchvision's ViT-B/32 (random, 768→512 head) for PyTorch. transformers.js " +
      `${TRANSFORMERS_JS.split('@').pop()} on onnxruntime-node 1.30.0 (Lookbook's version); Debian's PyTorch 1.13 with the pthread ` +
      `OpenBLAS, 2 threads. 1-minute load average at the start of the runs: ${Math.min(...loads)}–` +
      `${Math.max(...loads)} (median ${f2(median(loads))}) on ${cores} cores` +
      (median(loads) > cores
        ? ': other work shared the CPU, so absolute figures understate the machine; the ratios, measured in the same rounds, are what to read.'
        : '.'),
    '',
    '| pipeline | kind | precision | images/s (median) | rounds (images/s, load at start) | CPU ms/image |',
    '| --- | --- | --- | --- | --- | --- |',
    ...all.map(
      (r) =>
        `| ${r.pipeline} | ${r.kind} | ${r.precision} | ${f2(r.ips)} | ${r.rounds
          .map((x) => `${f2(x.imagesPerSecond)} @${x.loadAtStart}`)
          .join(', ')} | ${r.cpuMs.toFixed(0)} |`,
    ),
    '',
    '| ratio (same rounds) | images/s (wall clock) | CPU time per image, inverted | target |',
    '| --- | --- | --- | --- |',
  ];
  const lbModel = find('model only', 'Lookbook engine');
  const lbModelSpin = find('model only', 'Lookbook engine, spin-waiting on');
  const lbInt8Model = find('model only', 'Lookbook engine (int8)');
  const lbInt8ModelSpin = find('model only', 'Lookbook engine (int8), spin-waiting on');
  const tjsModel = find('model only', 'transformers.js');
  const tjsQ8Model = find('model only', 'transformers.js (q8)');
  const lb = find('end to end', 'Lookbook');
  const lbInt8 = find('end to end', 'Lookbook (int8)');
  const e2ePeers = all.filter((r) => r.kind === 'end to end' && !r.pipeline.startsWith('Lookbook'));
  const ratios = [
    ratio(lbModel, tjsModel, 1),
    ratio(lbModelSpin, tjsModel, 1),
    ratio(lbInt8Model, lbModel, 2),
    ratio(lbInt8Model, tjsQ8Model),
    ratio(lbInt8ModelSpin, tjsQ8Model),
    ...e2ePeers.filter((p) => p.precision === 'fp32').map((p) => ratio(lb, p)),
    ...e2ePeers.filter((p) => p.precision === 'fp32').map((p) => ratio(lbInt8, p, 2)),
    ...e2ePeers.filter((p) => p.precision === 'int8').map((p) => ratio(lbInt8, p, 1.3)),
  ].filter((x): x is string => x !== undefined);
  lines.push(...ratios);
  lines.push(
    '',
    "End to end, Lookbook's `index` does more than the peers (a BLAKE3 content hash, EXIF, a thumbnail and the " +
      'database for every photo) and starts more (the text tower, loaded for search, and LanceDB); with few ' +
      'photos those fixed start-up costs weigh more per photo (`--peers-photos` sets how many; ' +
      'missing ones are generated).',
  );
  lines.push(
    '',
    "Model only, the one setting in which Lookbook's engine differs from transformers.js (which leaves every " +
      "onnxruntime option at its default) is spin-waiting: the engine's vision tower has it off, because " +
      'indexing decodes photos on the same cores while the model runs and spinning threads take CPU from ' +
      'those decoders (the "onnxruntime spin-waiting on" row of section 2). Both settings are measured ' +
      'above, for fp32 and int8; the engine with spin-waiting on is the like-for-like comparison of the two ' +
      'callers. The shorter int8 batches make spinning count for more on the model alone, and for more ' +
      'against the decoders while indexing.',
  );
  if (!lbInt8) {
    lines.push(
      '',
      "Lookbook's int8 rows need an int8 model: `npm run bench -- --peers --int8-model <folder>` " +
        "(a folder written by `lookbook models quantize`); transformers.js's q8 then runs the same file.",
    );
  }
  lines.push(PEERS_SECTION_END);
  return lines.join('\n');
}

/** Replaces the peers section of the report (or appends it), leaving the rest as it is. */
export function withPeersSection(report: string, section: string): string {
  const a = report.indexOf(PEERS_SECTION_START);
  const b = report.indexOf(PEERS_SECTION_END);
  if (a >= 0 && b > a) return report.slice(0, a) + section + report.slice(b + PEERS_SECTION_END.length);
  return `${report.replace(/\n*$/, '')}\n\n${section}\n`;
}

export function linkPhotoSubset(photoDir: string, count: number, dir: string): string {
  // Hard links: every pipeline sees ordinary files (Lookbook's scanner does not follow symlinks).
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const files = readdirSync(photoDir)
    .filter((f) => /\.jpe?g$/i.test(f))
    .sort()
    .slice(0, count);
  for (const f of files) linkSync(join(photoDir, f), join(dir, f));
  if (!existsSync(dir)) throw new Error(`could not link photos into ${dir}`);
  return dir;
}
