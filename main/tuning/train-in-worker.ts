import { startWorker } from '../worker-thread.js';
import type { TrainOptions, TrainProgress, TrainResult } from './train.js';

/** Options that cross the thread boundary (everything but the data, the callback and the signal). */
export type WorkerTrainOptions = Omit<TrainOptions, 'train' | 'val' | 'onProgress' | 'signal'>;

/** [Note: training worker protocol] What train-in-worker.ts sends and train-worker.ts answers. */
export interface WorkerInit {
  dim: number;
  trainImage: Float32Array;
  trainText: Float32Array;
  valImage?: Float32Array;
  valText?: Float32Array;
  options: WorkerTrainOptions;
}

export type WorkerMessage =
  | { type: 'progress'; progress: TrainProgress }
  | { type: 'done'; result: TrainResult }
  | { type: 'error'; message: string }
  | { type: 'cancelled' };

/** How long a cancelled worker may take to notice before it is terminated. */
const CANCEL_GRACE_MS = 2000;

/**
 * trainAdapter in a worker thread, so the caller's event loop (API, UI, indexing) keeps running.
 * The embeddings are packed into one buffer per side and transferred, not copied per vector. Progress
 * arrives through `onProgress`; aborting `signal` stops the worker (a flag it checks after every batch,
 * then terminate() if it has not stopped within two seconds) and rejects with the signal's reason.
 */
export function runTrainingInWorker(options: TrainOptions): Promise<TrainResult> {
  const { train, val, onProgress, signal, ...rest } = options;
  if (signal?.aborted) return Promise.reject(signal.reason);
  const dim = train.image[0]?.length ?? 0;
  if (dim === 0) return Promise.reject(new Error('no training pairs'));
  const init: WorkerInit = {
    dim,
    trainImage: pack(train.image, dim),
    trainText: pack(train.text, dim),
    options: rest,
  };
  if (val && val.image.length > 0) {
    init.valImage = pack(val.image, dim);
    init.valText = pack(val.text, dim);
  }
  const transfer = [init.trainImage, init.trainText, init.valImage, init.valText]
    .filter((a): a is Float32Array => a !== undefined)
    .map((a) => a.buffer as ArrayBuffer);

  const worker = startWorker(import.meta.url, 'train-worker', init, transfer);
  return new Promise<TrainResult>((resolve, reject) => {
    let settled = false;
    let killTimer: NodeJS.Timeout | undefined;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      if (killTimer) clearTimeout(killTimer);
      fn();
      void worker.terminate();
    };
    const onAbort = () => {
      worker.postMessage({ type: 'cancel' });
      killTimer = setTimeout(() => finish(() => reject(signal!.reason)), CANCEL_GRACE_MS);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'progress') onProgress?.(m.progress);
      else if (m.type === 'done') finish(() => resolve(m.result));
      else if (m.type === 'cancelled')
        finish(() => reject(signal?.reason ?? new Error('training cancelled')));
      else finish(() => reject(new Error(m.message)));
    });
    worker.on('error', (e) => finish(() => reject(e)));
    worker.on('exit', (code) => finish(() => reject(new Error(`training worker exited with code ${code}`))));
  });
}

/** Packs paired vectors into one contiguous buffer (validated later by trainAdapter in the worker). */
function pack(vectors: readonly Float32Array[], dim: number): Float32Array {
  const out = new Float32Array(vectors.length * dim);
  vectors.forEach((v, i) => {
    if (v.length !== dim) throw new Error(`embedding ${i} has ${v.length} dimensions, expected ${dim}`);
    out.set(v, i * dim);
  });
  return out;
}
