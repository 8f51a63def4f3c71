// `lookbook models quantize MODEL`: makes a smaller, faster copy of an installed model (int8 for CPUs,
// fp16 for GPUs) and installs it as a model of its own ('<id>-int8', '<id>-fp16'). The copy is made in a
// hidden work folder, both models embed the same probe texts and generated pictures, and the copy is
// installed only if its embeddings agree with the original's closely enough; otherwise nothing is kept.
// The graph rewriting itself is quantize-graph.ts.
import { promises as fsp } from 'node:fs';
import { join, relative } from 'node:path';
import sharp from 'sharp';
import { createClipEngine } from '../engine/clip-engine.js';
import { readModelFolder } from '../engine/model-folder.js';
import type { ClipEngine, ModelLayout } from '../engine/types.js';
import { describeError, isUserError, UserError } from '../errors.js';
import { tempPathFor, writeFileAtomic } from '../temp-files.js';
import { isValidModelId } from './catalogue.js';
import { installFolder } from './import-model.js';
import {
  folderSize,
  MANIFEST_FILE,
  modelsDir,
  readManifest,
  writeManifest,
  type ModelManifest,
} from './installed-models.js';
import { encodeOnnxModel, readOnnxModel } from './onnx-graph.js';
import { convertFloat16, quantizeInt8, type Precision } from './quantize-graph.js';
import { removeWorkFolder } from './model-archive.js';
import { resolveModelDir } from './resolve-model.js';
import { seededRandom } from './seeded-random.js';

export type { Precision } from './quantize-graph.js';
export type Tower = 'vision' | 'text';
export const TOWERS: readonly Tower[] = ['vision', 'text'];
export const PRECISIONS: readonly Precision[] = ['int8', 'fp16'];

/**
 * The lowest cosine similarity any probe may have between the original's embedding and the converted
 * model's. Search and tagging compare embeddings by cosine, and pictures that differ visibly sit about
 * 0.1 apart or more in CLIP; 0.95 keeps a converted model's rankings those of the original for all but
 * near ties. int8 on the test and benchmark models reaches ≥ 0.9997 (BENCHMARKS.md); float16 changes
 * only rounding, so its bound is tight.
 */
export const AGREEMENT_BOUNDS: Record<Precision, number> = { int8: 0.95, fp16: 0.995 };

/** Cosines between the original's and the converted model's embeddings of the same probes. */
export interface Agreement {
  count: number;
  median: number;
  min: number;
}

export interface ConversionAgreement {
  /** Present for each tower that was converted. */
  texts?: Agreement;
  images?: Agreement;
  /** The bound the lowest cosine had to reach. */
  bound: number;
}

export type QuantizePhase = 'copying' | 'converting' | 'checking' | 'installing' | 'done';

export interface QuantizeProgress {
  phase: QuantizePhase;
  /** Steps done before this one, of `total` (copy, one per tower, check, install); `total` when done. */
  step: number;
  total: number;
  message: string;
}

export interface QuantizeOptions {
  dataDir: string;
  /** An installed model's id, or a model folder. */
  model: string;
  precision: Precision;
  /** Which towers to convert (default: both). */
  towers?: readonly Tower[];
  /** The new model's id (default '<id>-<precision>'). */
  id?: string;
  /** Replace an installed model of that id. */
  force?: boolean;
  threads?: number;
  onProgress?: (p: QuantizeProgress) => void;
  /** Tests only: int8 levels per side (127); a small number makes a bad conversion the check must refuse. */
  int8Levels?: number;
}

export interface QuantizeResult {
  id: string;
  dir: string;
  from: string;
  precision: Precision;
  towers: Tower[];
  layout: ModelLayout;
  sizeBytes: number;
  originalSizeBytes: number;
  agreement: ConversionAgreement;
  /** Weight matrices (int8) or float tensors (fp16) converted, per tower. */
  converted: Partial<Record<Tower, number>>;
}

/** The manifest's record of a converted model, so the app can say what it is and what it came from. */
export interface ConvertedSource {
  type: 'converted';
  from: string;
  precision: Precision;
  towers: Tower[];
  agreement: ConversionAgreement;
}

/** The id a conversion installs by default. */
export function convertedModelId(sourceId: string, precision: Precision): string {
  return `${sourceId}-${precision}`;
}

/** Everyday phrases, so the text tower is checked on what people type. */
const PROBE_TEXTS = [
  'a dog running on the beach',
  'birthday cake with candles',
  'a red car parked in the street',
  'snowy mountains at sunrise',
  'two children playing football',
  'a bowl of fresh fruit on a table',
  'city skyline at night',
  'a cat sleeping on a sofa',
  'wedding photo in a garden',
  'receipt',
  'blue sky',
  'a handwritten note',
  'green leaves close up',
  'people at a concert',
  'an old black and white portrait',
  'boats in a harbour',
];

const PROBE_IMAGE_COUNT = 16;

/**
 * Generated pictures that are not flat: a two-colour gradient with discs and bars of random colours,
 * seeded so every run checks the same pictures.
 */
export async function probeImages(count = PROBE_IMAGE_COUNT): Promise<Buffer[]> {
  const rnd = seededRandom('lookbook-quantize-probe');
  const colour = () => [0, 0, 0].map(() => Math.floor(rnd.uniform() * 256)) as [number, number, number];
  const images: Buffer[] = [];
  for (let n = 0; n < count; n++) {
    const w = 320;
    const h = 240;
    const [a, b] = [colour(), colour()];
    const shapes = Array.from({ length: 3 }, () => ({
      c: colour(),
      x: rnd.uniform() * w,
      y: rnd.uniform() * h,
      r: 20 + rnd.uniform() * 60,
      bar: rnd.uniform() < 0.4,
    }));
    const raw = Buffer.alloc(w * h * 3);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const t = (x + y) / (w + h);
        let px: number[] = [0, 1, 2].map((i) => a[i]! * (1 - t) + b[i]! * t);
        for (const s of shapes) {
          const inside = s.bar ? Math.abs(y - s.y) < s.r / 4 : (x - s.x) ** 2 + (y - s.y) ** 2 < s.r ** 2;
          if (inside) px = s.c;
        }
        raw.set(px.map(Math.round), (y * w + x) * 3);
      }
    }
    images.push(
      await sharp(raw, { raw: { width: w, height: h, channels: 3 } })
        .png()
        .toBuffer(),
    );
  }
  return images;
}

/** The cosine of two embeddings (how closely a converted model agrees with the original). */
export function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return dot / Math.sqrt(na * nb);
}

function summarize(original: Float32Array[], converted: Float32Array[]): Agreement {
  const cos = original.map((v, i) => cosine(v, converted[i]!)).sort((x, y) => x - y);
  const mid = cos.length >> 1;
  const median = cos.length % 2 ? cos[mid]! : (cos[mid - 1]! + cos[mid]!) / 2;
  return { count: cos.length, median, min: cos[0]! };
}

/** Embeds the probes with both models, for the towers converted. */
export async function measureAgreement(
  originalDir: string,
  convertedDir: string,
  towers: readonly Tower[],
  precision: Precision,
  threads = 1,
): Promise<ConversionAgreement> {
  const images = towers.includes('vision') ? await probeImages() : [];
  const embed = async (dir: string) => {
    // Checked on the CPU, which every computer has: the figures are comparable between machines.
    const engine: ClipEngine = await createClipEngine({ model: dir, device: 'cpu', threads });
    try {
      return {
        texts: towers.includes('text') ? await engine.embedTexts(PROBE_TEXTS) : [],
        images: images.length ? await engine.embedImages(images) : [],
      };
    } finally {
      await engine.close();
    }
  };
  const a = await embed(originalDir);
  let b;
  try {
    b = await embed(convertedDir);
  } catch (e) {
    if (isUserError(e)) throw e;
    throw new UserError(`the converted model could not be run: ${describeError(e)}`, 'model-invalid', {
      cause: e,
    });
  }
  return {
    ...(towers.includes('text') ? { texts: summarize(a.texts, b.texts) } : {}),
    ...(towers.includes('vision') ? { images: summarize(a.images, b.images) } : {}),
    bound: AGREEMENT_BOUNDS[precision],
  };
}

/** The agreement's weakest figure in words a person can weigh (used by the CLI and the app alike). */
export function describeAgreement(agreement: ConversionAgreement): string {
  const parts: string[] = [];
  const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
  if (agreement.images)
    parts.push(`pictures ${pct(agreement.images.median)} (lowest ${pct(agreement.images.min)})`);
  if (agreement.texts)
    parts.push(`words ${pct(agreement.texts.median)} (lowest ${pct(agreement.texts.min)})`);
  return parts.join(', ');
}

function lowest(agreement: ConversionAgreement): number {
  return Math.min(agreement.images?.min ?? 1, agreement.texts?.min ?? 1);
}

/** Converts `opts.model` and installs the result; see the file's comment. */
export async function quantizeModel(opts: QuantizeOptions): Promise<QuantizeResult> {
  const { dataDir, precision } = opts;
  if (!PRECISIONS.includes(precision)) {
    throw new UserError(`unknown precision '${String(precision)}' (use int8 or fp16)`, 'invalid-argument');
  }
  const towers = [...new Set(opts.towers ?? TOWERS)];
  if (towers.length === 0 || towers.some((t) => !TOWERS.includes(t))) {
    throw new UserError(`towers must be vision, text or both (got ${towers.join(',')})`, 'invalid-argument');
  }
  const source = await resolveModelDir(opts.model, dataDir);
  if (source.isDemo) {
    throw new UserError(
      'the demo model is generated on this computer and already tiny; there is nothing to make faster',
      'model-invalid',
    );
  }
  const sourceManifest = await readManifest(source.dir);
  const earlier = sourceManifest?.source as ModelManifest['source'] | undefined;
  if (earlier?.type === 'converted') {
    throw new UserError(
      `'${source.id}' is already a ${earlier.precision} copy of '${earlier.from}'; convert '${earlier.from}' instead`,
      'model-invalid',
    );
  }
  const id = opts.id ?? convertedModelId(source.id, precision);
  if (!isValidModelId(id) || id === 'demo')
    throw new UserError(`'${id}' is not a valid model id`, 'invalid-model-id');
  const root = modelsDir(dataDir);
  const target = join(root, id);
  if (!opts.force && (await exists(target))) {
    throw new UserError(
      `a model '${id}' is already installed; use --force to replace it or --id to pick another`,
      'model-exists',
    );
  }
  const folder = await readModelFolder(source.dir);
  const towerFiles: Record<Tower, string> = {
    vision: relative(source.dir, folder.visionModelPath),
    text: relative(source.dir, folder.textModelPath),
  };
  const total = 3 + towers.length;
  let step = 0;
  const progress = (phase: QuantizePhase, message: string) =>
    opts.onProgress?.({ phase, step: Math.min(step++, total), total, message });

  await fsp.mkdir(root, { recursive: true });
  const work = tempPathFor(join(root, `${id}-convert`));
  const out = join(work, 'x');
  try {
    progress('copying', `copying ${source.id}`);
    const converting = new Set(towers.map((t) => join(source.dir, towerFiles[t])));
    await fsp.cp(source.dir, out, {
      recursive: true,
      dereference: true,
      // The towers being converted are written fresh; other .onnx files (an hf repository's extra
      // exports) are not what the engine loads, and the old manifest describes the original.
      filter: (p) =>
        !converting.has(p) &&
        relative(source.dir, p) !== MANIFEST_FILE &&
        !(/\.onnx(_data)?$/.test(p) && !Object.values(towerFiles).includes(relative(source.dir, p))),
    });
    await makeWritable(out);
    const converted: Partial<Record<Tower, number>> = {};
    for (const tower of towers) {
      progress(
        'converting',
        `converting the ${tower === 'vision' ? 'picture' : 'text'} part to ${precision}`,
      );
      const file = towerFiles[tower];
      let model;
      try {
        model = await readOnnxModel(join(source.dir, file));
      } catch (e) {
        throw new UserError(`cannot read ${join(source.dir, file)}: ${describeError(e)}`, 'model-invalid', {
          cause: e,
        });
      }
      const summary =
        precision === 'int8'
          ? quantizeInt8(model, opts.int8Levels ? { levels: opts.int8Levels } : {})
          : convertFloat16(model);
      if (summary.converted === 0) {
        throw new UserError(
          `the ${tower} part of '${source.id}' has nothing to convert to ${precision}` +
            (summary.skipped.length ? ` (${summary.skipped.join('; ')})` : ''),
          'model-invalid',
        );
      }
      converted[tower] = summary.converted;
      model.producerName = `lookbook (${precision} from ${source.id})`;
      await writeFileAtomic(join(out, file), encodeOnnxModel(model));
    }
    progress('checking', 'comparing the new model with the original on sample pictures and phrases');
    const agreement = await measureAgreement(source.dir, out, towers, precision, opts.threads ?? 1);
    if (lowest(agreement) < agreement.bound) {
      throw new UserError(
        `the ${precision} model agrees too little with '${source.id}' to replace it: ` +
          `${describeAgreement(agreement)}; every sample must reach ${(agreement.bound * 100).toFixed(1)}%. ` +
          'Nothing was installed.',
        'model-invalid',
      );
    }
    progress('installing', `installing ${id}`);
    const convertedSource: ConvertedSource = {
      type: 'converted',
      from: source.id,
      precision,
      towers,
      agreement,
    };
    await writeManifest(out, {
      id,
      // Shown in the app: plain words rather than the precision's name.
      name: `${sourceManifest?.name ?? source.id} (${precision === 'int8' ? 'faster version' : 'graphics card version'})`,
      installedAt: new Date().toISOString(),
      layout: folder.info.layout,
      embedDim: folder.info.embedDim,
      source: convertedSource,
    });
    const sizeBytes = await folderSize(out);
    await installFolder(out, target, !!opts.force);
    progress('done', `installed ${id}`);
    return {
      id,
      dir: target,
      from: source.id,
      precision,
      towers,
      layout: folder.info.layout,
      sizeBytes,
      originalSizeBytes: await folderSize(source.dir),
      agreement,
      converted,
    };
  } finally {
    await removeWorkFolder(work);
  }
}

/** A copy of a read-only folder (a shared or packaged model) is read-only too; the towers are rewritten in it. */
async function makeWritable(dir: string): Promise<void> {
  const { mode } = await fsp.stat(dir);
  await fsp.chmod(dir, mode | 0o700);
  for (const e of await fsp.readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) await makeWritable(p);
    else await fsp.chmod(p, (await fsp.stat(p)).mode | 0o600);
  }
}

async function exists(p: string): Promise<boolean> {
  try {
    await fsp.lstat(p);
    return true;
  } catch {
    return false;
  }
}
