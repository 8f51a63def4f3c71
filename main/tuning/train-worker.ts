// The worker-thread side of runTrainingInWorker: trains on the embeddings it was handed and posts
// progress, then the result. Never imported by anything but the Worker constructor.
import { parentPort, workerData } from 'node:worker_threads';
import { trainAdapter } from './train.js';
import type { TrainingPairs } from './train.js';
import type { WorkerInit, WorkerMessage } from './train-in-worker.js';

function unpack(data: Float32Array, dim: number): Float32Array[] {
  const n = data.length / dim;
  return Array.from({ length: n }, (_, i) => data.subarray(i * dim, (i + 1) * dim));
}

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('train-worker must run in a worker thread');
  const init = workerData as WorkerInit;
  const controller = new AbortController();
  port.on('message', (m: { type: string }) => {
    if (m.type === 'cancel') controller.abort();
  });
  const post = (m: WorkerMessage, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);
  const pairs = (image: Float32Array, text: Float32Array): TrainingPairs => ({
    image: unpack(image, init.dim),
    text: unpack(text, init.dim),
  });
  try {
    const result = await trainAdapter({
      ...init.options,
      train: pairs(init.trainImage, init.trainText),
      ...(init.valImage && init.valText ? { val: pairs(init.valImage, init.valText) } : {}),
      onProgress: (progress) => post({ type: 'progress', progress }),
      signal: controller.signal,
    });
    const transfer = [result.adapter.image, result.adapter.text]
      .filter((m): m is Float32Array => m !== null)
      .map((m) => m.buffer as ArrayBuffer);
    post({ type: 'done', result }, transfer);
  } catch (e) {
    if (controller.signal.aborted) post({ type: 'cancelled' });
    else post({ type: 'error', message: e instanceof Error ? e.message : String(e) });
  } finally {
    port.close();
  }
}

void main();
