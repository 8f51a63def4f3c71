// The two CLIP towers as onnxruntime sessions: created on the planned provider (falling back to the
// CPU with a reason), inspected for their real input names, dtypes and shapes, and run in batches.
// Runs inside the inference worker; nothing here knows about threads or messages.
import './ort-privacy.js';
import * as ort from 'onnxruntime-node';
import { UserError } from '../errors.js';
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

export interface ClipSessions {
  text: ort.InferenceSession;
  textIo: TextIo;
  /**
   * The vision tower, created on its first use: a search only needs the text tower, and the vision
   * session of a ViT-B/32 takes ~0.8 s and ~550 MB to create. A corrupt vision file therefore fails the
   * first image request, with the same user error naming the file.
   */
  vision(): Promise<{ session: ort.InferenceSession; io: VisionIo }>;
  /** Current: a vision tower that fails on the GPU moves to the CPU, and this says so. */
  readonly device: DeviceInfo;
  /** Releases what was created. */
  release(): Promise<void>;
}

export interface OpenSessionsOptions {
  textModelPath: string;
  visionModelPath: string;
  device: DeviceRequest;
  threads?: number;
  /** onnxruntime's intra-op spin-waiting in the vision session (default off: see EngineOptions.spinWait). */
  spinWait?: boolean;
  /** Overrides the platform plan (tests force a GPU provider that is not there to check the fallback). */
  forceProvider?: ExecutionProvider;
}

export async function openClipSessions(options: OpenSessionsOptions): Promise<ClipSessions> {
  const plan = options.forceProvider ? { provider: options.forceProvider } : planProvider(options.device);
  const base: ort.InferenceSession.SessionOptions = {
    graphOptimizationLevel: 'all',
    interOpNumThreads: 1,
    ...(options.threads ? { intraOpNumThreads: options.threads } : {}),
  };
  // Each session has its own intra-op threads. The vision tower's run beside the indexer's decoders, where
  // spin-waiting took CPU from them (measured: ~30 ms more CPU per 12-MP photo); the text tower's serve
  // interactive queries, where spinning is worth its CPU (text encoding p50 ~5 ms faster with it).
  const visionBase: ort.InferenceSession.SessionOptions = {
    ...base,
    extra: { session: { intra_op: { allow_spinning: options.spinWait ? '1' : '0' } } },
  };
  let provider = plan.provider;
  let fallbackReason = plan.fallbackReason;
  // The process-wide native logger is set up by the first session. A missing GPU provider library logs
  // an ERROR line there that the fallback reason already reports, so a GPU probe keeps it to fatal only.
  ort.env.logLevel = provider === 'cpu' ? 'error' : 'fatal';

  /** A session on the provider in use, moving everything to the CPU (with the reason) if it fails there. */
  async function create(path: string, opts: ort.InferenceSession.SessionOptions) {
    if (provider !== 'cpu') {
      try {
        // Only fatal native logs while probing: a missing provider library is expected and reported.
        return await createSession(path, { ...opts, executionProviders: [provider], logSeverityLevel: 4 });
      } catch (e) {
        if (e instanceof UserError) throw e;
        fallbackReason = sessionFailureReason(provider, e);
        provider = 'cpu';
      }
    }
    return createSession(path, { ...opts, executionProviders: ['cpu'] }, true);
  }

  const text = await create(options.textModelPath, base);
  const textIo = describeText(text, options.textModelPath);
  let vision: Promise<{ session: ort.InferenceSession; io: VisionIo }> | undefined;
  return {
    text,
    textIo,
    vision() {
      vision ??= create(options.visionModelPath, visionBase).then((session) => ({
        session,
        io: describeVision(session, options.visionModelPath),
      }));
      return vision;
    },
    get device() {
      return { requested: options.device, provider, ...(fallbackReason ? { fallbackReason } : {}) };
    },
    async release() {
      const made = await vision?.catch(() => undefined);
      await Promise.allSettled([text.release(), made?.session.release()]);
    },
  };
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
export async function runText(s: ClipSessions, rows: number[][], padId: number): Promise<Float32Array> {
  const io = s.textIo;
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
    parts.push(await runPooled(s.text, feeds, io.output));
  }
  return normalizeRows(concat(parts), rows.length);
}

/** `data` holds `n` CHW tensors of side `size` back to back. */
export async function runVision(
  s: ClipSessions,
  data: Float32Array,
  n: number,
  size: number,
): Promise<Float32Array> {
  const { session, io } = await s.vision();
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
