// A CLIP tower as an onnxruntime session: created on the planned provider (falling back to the CPU with
// a reason), inspected for its real input names, dtypes and shapes, and run in batches. Runs inside an
// inference worker; nothing here knows about threads or messages.
import * as ort from 'onnxruntime-node';
import { UserError } from '../errors.js';
import { ensureOrtTelemetryOff } from './ort-privacy.js';
import { planProvider, readableOrtMessage, sessionFailureReason } from './execution-providers.js';
import type { DeviceInfo, DeviceRequest, ExecutionProvider } from './types.js';

export interface TextIo {
  input: string;
  dtype: 'int64' | 'int32';
  /** Present for towers that take an attention mask (the Hugging Face export). */
  mask?: string;
  /** Set when the graph's sequence axis is fixed (Immich exports: 77): every row is padded to it. */
  fixedLength?: number;
  /** 1 when the graph only accepts single rows. */
  fixedBatch?: number;
  output: string;
}

export interface VisionIo {
  input: string;
  fixedBatch?: number;
  output: string;
}

/** One tower's onnxruntime session, what its graph takes and gives, and where it runs. */
export type TowerSession =
  | { tower: 'text'; session: ort.InferenceSession; io: TextIo; device: DeviceInfo }
  | { tower: 'vision'; session: ort.InferenceSession; io: VisionIo; device: DeviceInfo };

export interface OpenTowerOptions {
  tower: 'text' | 'vision';
  modelPath: string;
  device: DeviceRequest;
  threads?: number;
  /** onnxruntime's intra-op spin-waiting (default: on for the text tower, off for the vision tower). */
  spinWait?: boolean;
  /** Overrides the platform plan (tests force a GPU provider that is not there to check the fallback). */
  forceProvider?: ExecutionProvider;
}

/**
 * Creates one tower's session on the planned provider, falling back to the CPU with the reason. Each
 * tower runs in its own worker thread (see clip-engine.ts): a query's text never waits behind a batch of
 * images, and the vision tower is only loaded when an image needs it.
 */
export async function openTower<T extends TowerSession['tower']>(
  options: OpenTowerOptions & { tower: T },
): Promise<Extract<TowerSession, { tower: T }>>;
export async function openTower(options: OpenTowerOptions): Promise<TowerSession> {
  // Before the first session: that is when onnxruntime decides, once, whether to record telemetry.
  ensureOrtTelemetryOff();
  const plan = options.forceProvider ? { provider: options.forceProvider } : planProvider(options.device);
  // Spin-waiting: the vision tower runs beside the indexer's decoders, where spinning took CPU from them
  // (measured: ~30 ms more CPU per 12-MP photo); the text tower serves interactive queries, where
  // spinning is worth its CPU (text encoding p50 ~5 ms faster with it).
  const spin = options.spinWait ?? options.tower === 'text';
  // Compared with transformers.js, the other common caller of onnxruntime-node (src/models/session.js:
  // every option left at onnxruntime's default, the model passed as bytes, run on the main thread): the
  // same graph optimization level ('all' is the default), the same intra-op threads (one per core),
  // sequential execution, no IO binding or output placement on the CPU. The differences are the spinning
  // above and the worker thread. Measured side by side on the same ONNX file (`npm run bench -- --peers`,
  // BENCHMARKS.md, peers section), the worker's hand-off costs nothing measurable and the spinning is the
  // whole gap: with it on this engine matches transformers.js on the model alone; with it off it is 1.5-3%
  // slower there, and 3-4% faster at indexing, which is what the vision tower is for.
  const base: ort.InferenceSession.SessionOptions = {
    graphOptimizationLevel: 'all',
    interOpNumThreads: 1,
    ...(options.threads ? { intraOpNumThreads: options.threads } : {}),
    extra: { session: { intra_op: { allow_spinning: spin ? '1' : '0' } } },
  };
  let provider = plan.provider;
  let fallbackReason = plan.fallbackReason;
  // The native logger is set up by the first session. A missing GPU provider library logs an ERROR line
  // there that the fallback reason already reports, so a GPU probe keeps it to fatal only.
  ort.env.logLevel = provider === 'cpu' ? 'error' : 'fatal';
  let session: ort.InferenceSession | undefined;
  if (provider !== 'cpu') {
    try {
      const gpu = { ...base, executionProviders: [provider], logSeverityLevel: 4 as const };
      session = await createSession(options.modelPath, gpu);
    } catch (e) {
      if (e instanceof UserError) throw e;
      fallbackReason = sessionFailureReason(provider, e);
      provider = 'cpu';
    }
  }
  session ??= await createSession(options.modelPath, { ...base, executionProviders: ['cpu'] }, true);
  const device = { requested: options.device, provider, ...(fallbackReason ? { fallbackReason } : {}) };
  return options.tower === 'text'
    ? { tower: 'text', session, io: describeText(session, options.modelPath), device }
    : { tower: 'vision', session, io: describeVision(session, options.modelPath), device };
}

/** On the CPU a failure is the model file's fault; on a GPU it may be the provider's, so it is rethrown raw. */
async function createSession(path: string, opts: ort.InferenceSession.SessionOptions, cpu = false) {
  try {
    return await ort.InferenceSession.create(path, opts);
  } catch (e) {
    if (!cpu) throw e;
    throw new UserError(`cannot load ${path}: ${readableOrtMessage(e)}`, 'model-invalid', { cause: e });
  }
}

type TensorMeta = { name: string; type: string; shape: ReadonlyArray<number | string> };

function tensorInputs(session: ort.InferenceSession): TensorMeta[] {
  return session.inputMetadata.filter((m): m is ort.InferenceSession.TensorValueMetadata => m.isTensor);
}

function fixedDim(d: number | string | undefined): number | undefined {
  return typeof d === 'number' && d > 0 ? d : undefined;
}

function pickOutput(session: ort.InferenceSession, preferred: string[], path: string): string {
  for (const name of preferred) if (session.outputNames.includes(name)) return name;
  const pooled = session.outputMetadata.find((m) => m.isTensor && m.shape.length === 2);
  if (pooled) return pooled.name;
  throw new UserError(
    `${path} has no embedding output (expected one of ${preferred.join(', ')})`,
    'model-invalid',
  );
}

export function describeText(session: ort.InferenceSession, path: string): TextIo {
  const inputs = tensorInputs(session);
  const ids =
    inputs.find((m) => m.name === 'input_ids' || m.name === 'text') ??
    inputs.find((m) => (m.type === 'int64' || m.type === 'int32') && m.name !== 'attention_mask');
  if (!ids || (ids.type !== 'int64' && ids.type !== 'int32')) {
    throw new UserError(`${path} has no integer token input (expected input_ids or text)`, 'model-invalid');
  }
  const mask = inputs.find((m) => m.name === 'attention_mask');
  const fixedLength = fixedDim(ids.shape[1]);
  const fixedBatch = fixedDim(ids.shape[0]);
  return {
    input: ids.name,
    dtype: ids.type,
    ...(mask ? { mask: mask.name } : {}),
    ...(fixedLength ? { fixedLength } : {}),
    ...(fixedBatch ? { fixedBatch } : {}),
    output: pickOutput(session, ['text_embeds', 'embedding', 'embeddings'], path),
  };
}

export function describeVision(session: ort.InferenceSession, path: string): VisionIo {
  const inputs = tensorInputs(session);
  const px =
    inputs.find((m) => m.name === 'pixel_values' || m.name === 'image') ??
    inputs.find((m) => m.type === 'float32');
  if (!px)
    throw new UserError(
      `${path} has no float32 image input (expected pixel_values or image)`,
      'model-invalid',
    );
  const fixedBatch = fixedDim(px.shape[0]);
  return {
    input: px.name,
    ...(fixedBatch ? { fixedBatch } : {}),
    output: pickOutput(session, ['image_embeds', 'embedding', 'embeddings'], path),
  };
}

/**
 * Token rows → L2-normalized embeddings, concatenated. Rows are padded to the graph's fixed length if it
 * has one, else only to the longest row: CLIP's text tower is causal and pools at the end token, so
 * the padding after it changes nothing but the work done.
 */
export async function runText(
  s: Extract<TowerSession, { tower: 'text' }>,
  rows: number[][],
  padId: number,
): Promise<Float32Array> {
  const io = s.io;
  const chunk = io.fixedBatch ?? rows.length;
  const parts: Float32Array[] = [];
  for (let start = 0; start < rows.length; start += chunk) {
    const batch = rows.slice(start, start + chunk);
    const len = io.fixedLength ?? Math.max(1, ...batch.map((r) => r.length));
    const n = batch.length;
    const ids = io.dtype === 'int64' ? new BigInt64Array(n * len) : new Int32Array(n * len);
    const mask = io.mask ? new BigInt64Array(n * len) : undefined;
    batch.forEach((row, b) => {
      for (let i = 0; i < len; i++) {
        const real = i < row.length;
        const id = real ? row[i]! : padId;
        if (ids instanceof BigInt64Array) ids[b * len + i] = BigInt(id);
        else ids[b * len + i] = id;
        if (mask) mask[b * len + i] = real ? 1n : 0n;
      }
    });
    const feeds: Record<string, ort.Tensor> = { [io.input]: new ort.Tensor(io.dtype, ids, [n, len]) };
    if (mask && io.mask) feeds[io.mask] = new ort.Tensor('int64', mask, [n, len]);
    parts.push(await runPooled(s.session, feeds, io.output));
  }
  return normalizeRows(concat(parts), rows.length);
}

/** `data` holds `n` CHW tensors of side `size` back to back. */
export async function runVision(
  s: Extract<TowerSession, { tower: 'vision' }>,
  data: Float32Array,
  n: number,
  size: number,
): Promise<Float32Array> {
  const { session, io } = s;
  const per = 3 * size * size;
  if (data.length !== n * per)
    throw new Error(`image batch holds ${data.length} values, expected ${n * per}`);
  const chunk = io.fixedBatch ?? n;
  const parts: Float32Array[] = [];
  for (let start = 0; start < n; start += chunk) {
    const m = Math.min(chunk, n - start);
    const slice = data.subarray(start * per, (start + m) * per);
    const feeds = { [io.input]: new ort.Tensor('float32', slice, [m, 3, size, size]) };
    parts.push(await runPooled(session, feeds, io.output));
  }
  return normalizeRows(concat(parts), n);
}

async function runPooled(session: ort.InferenceSession, feeds: Record<string, ort.Tensor>, output: string) {
  const result = await session.run(feeds, [output]);
  const t = result[output];
  if (!t || t.type !== 'float32') throw new Error(`the model's ${output} output is not float32`);
  return t.data as Float32Array;
}

function concat(parts: Float32Array[]): Float32Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** In place: every row of `flat` (n rows) scaled to unit length. */
export function normalizeRows(flat: Float32Array, n: number): Float32Array {
  if (n === 0) return flat;
  const dim = flat.length / n;
  for (let r = 0; r < n; r++) {
    let sum = 0;
    for (let i = r * dim; i < (r + 1) * dim; i++) sum += flat[i]! * flat[i]!;
    const inv = sum > 0 ? 1 / Math.sqrt(sum) : 0;
    for (let i = r * dim; i < (r + 1) * dim; i++) flat[i] = flat[i]! * inv;
  }
  return flat;
}
