// createClipEngine: a model folder → a ClipEngine whose inference runs in worker threads.
// Tokenizing and image decoding stay on the calling thread (both are quick or already asynchronous
// through sharp's own thread pool); the ONNX sessions live in the worker.
import { basename, resolve } from 'node:path';
import { planProvider } from './execution-providers.js';
import { startInferenceWorker, type InferenceClient } from './inference-client.js';
import { readModelFolder } from './model-folder.js';
import { preprocessImage, preprocessPixels } from './preprocess.js';
import { DECODERS, formatFromExtension } from '../media/formats.js';
import { openImageInput } from '../media/decode.js';
import type { PreprocessOptions } from './preprocess.js';
import { loadClipTokenizer } from './tokenizer.js';
import type { ClipEngine, DeviceInfo, EngineOptions, ExecutionProvider } from './types.js';

/** Batches sent to the worker: large enough to amortize the call, small enough to keep memory flat. */
const TEXT_BATCH = 64;
const IMAGE_BATCH = 16;

export interface EngineInternals {
  /** Tests only: try this provider regardless of the platform plan, to exercise the fallback. */
  forceProvider?: ExecutionProvider;
  preprocess?: PreprocessOptions;
}

export async function createClipEngine(
  options: EngineOptions,
  internals: EngineInternals = {},
): Promise<ClipEngine> {
  const resolved =
    typeof options.model === 'string'
      ? { dir: resolve(options.model), id: basename(resolve(options.model)), isDemo: false }
      : options.model;
  const folder = await readModelFolder(resolved.dir, resolved.id);
  const model = { ...folder.info, isDemo: folder.info.isDemo || resolved.isDemo };
  const tokenizer = await loadClipTokenizer(folder.tokenizerPath, {
    contextLength: model.contextLength,
    padId: folder.padId,
  });
  const common = {
    device: options.device ?? 'auto',
    padId: folder.padId,
    ...(options.threads ? { threads: options.threads } : {}),
    ...(internals.forceProvider ? { forceProvider: internals.forceProvider } : {}),
  } as const;
  // One worker per tower (onnxruntime's run() holds its thread for a whole batch): a search's query is
  // encoded while the indexer's images are. The vision tower starts on the first image: a search needs
  // only the text tower, and a ViT-B/32 vision session takes ~0.8 s and ~550 MB to create. A vision
  // model that cannot be loaded therefore fails the first image request, with the user error naming it.
  // The text tower starts now (the engine is complete when created: a search's first query does not
  // wait for it) or, for a process that only indexes, on the first text.
  let text: Promise<InferenceClient> | undefined;
  let textDevice: DeviceInfo | undefined;
  let vision: Promise<InferenceClient> | undefined;
  let visionDevice: DeviceInfo | undefined;
  let closed = false;
  const textWorker = () =>
    closed && !text
      ? Promise.reject(new Error('the CLIP engine is closed'))
      : (text ??= startInferenceWorker({ ...common, tower: 'text', modelPath: folder.textModelPath }).then(
          (client) => {
            textDevice = client.device;
            return client;
          },
        ));
  if ((options.textTower ?? 'at-start') === 'at-start') await textWorker();
  const planned: DeviceInfo = {
    requested: common.device,
    ...(internals.forceProvider ? { provider: internals.forceProvider } : planProvider(common.device)),
  };
  const visionWorker = () =>
    closed && !vision
      ? Promise.reject(new Error('the CLIP engine is closed'))
      : (vision ??= startInferenceWorker({
          ...common,
          tower: 'vision',
          modelPath: folder.visionModelPath,
          ...(options.spinWait !== undefined ? { spinWait: options.spinWait } : {}),
        }).then((client) => {
          visionDevice = client.device;
          return client;
        }));
  const { size } = model.preprocess;
  const per = 3 * size * size;

  const split = (flat: Float32Array, n: number): Float32Array[] => {
    const dim = flat.length / n;
    return Array.from({ length: n }, (_, i) => flat.slice(i * dim, (i + 1) * dim));
  };

  const engine: ClipEngine = {
    model,
    // The vision tower's once it runs: it does the heavy work, and may have fallen back on its own.
    get device() {
      return visionDevice ?? textDevice ?? planned;
    },
    tokenize: (text) => tokenizer.encode(text),
    async embedTexts(texts) {
      const out: Float32Array[] = [];
      for (let i = 0; i < texts.length; i += TEXT_BATCH) {
        const rows = texts.slice(i, i + TEXT_BATCH).map((t) => tokenizer.encode(t));
        out.push(...split(await (await textWorker()).embedTokenRows(rows), rows.length));
      }
      return out;
    },
    async preprocess(input) {
      return preprocessImage(await readableBySharp(input), model.preprocess, internals.preprocess);
    },
    preprocessPixels: (pixels) => preprocessPixels(pixels, model.preprocess),
    async embedImageTensors(tensors) {
      const out: Float32Array[] = [];
      for (let i = 0; i < tensors.length; i += IMAGE_BATCH) {
        const batch = tensors.slice(i, i + IMAGE_BATCH);
        // Packed into a buffer of the worker's that is transferred, so the caller's tensors stay usable.
        const worker = await visionWorker();
        const data = worker.batchBuffer(batch.length * per);
        batch.forEach((t, j) => {
          if (t.length !== per) {
            throw new Error(
              `image tensor ${i + j} has ${t.length} values; this model takes 3×${size}×${size}`,
            );
          }
          data.set(t, j * per);
        });
        out.push(...split(await worker.embedPixels(data, batch.length, size), batch.length));
      }
      return out;
    },
    async embedImages(inputs) {
      const out: Float32Array[] = [];
      for (let i = 0; i < inputs.length; i += IMAGE_BATCH) {
        const tensors = await Promise.all(inputs.slice(i, i + IMAGE_BATCH).map((x) => engine.preprocess(x)));
        out.push(...(await engine.embedImageTensors(tensors)));
      }
      return out;
    },
    async close() {
      closed = true;
      await Promise.all([
        text?.then(
          (c) => c.close(),
          () => undefined,
        ),
        vision?.then(
          (c) => c.close(),
          () => undefined,
        ),
      ]);
    },
  };
  return engine;
}

/**
 * sharp reads JPEG, PNG, WebP, AVIF, GIF and TIFF itself; HEIC, BMP, PNM and camera RAW go through the
 * media module, which hands back an upright PNG (and applies its decompression-bomb limit). The
 * extension is only a hint: the media module sniffs the content for anything not obviously sharp's.
 */
async function readableBySharp(input: string | Buffer): Promise<string | Buffer> {
  if (typeof input !== 'string') return input;
  const format = formatFromExtension(input);
  if (format && format !== 'unsupported' && DECODERS[format] === 'sharp') return input;
  return openImageInput(input);
}
