// The engine's side of an inference worker (one per tower): starts it, sends batches, matches replies
// to requests, and fails every pending request clearly if the worker dies.
// [Note: inference worker protocol]
import { UserError } from '../errors.js';
import { startWorker } from '../worker-thread.js';
import { ensureOrtTelemetryOff } from './ort-privacy.js';
import type { DeviceInfo } from './types.js';
import type { WorkerError, WorkerInit, WorkerReply, WorkerRequest } from './inference-protocol.js';

export interface InferenceClient {
  /** Where this worker's tower runs, and why not where asked. */
  readonly device: DeviceInfo;
  /** Set when the text graph has a fixed sequence length (rows are padded to it). */
  readonly fixedTextLength?: number;
  /** Embeds token rows; returns n*dim L2-normalized values. */
  embedTokenRows(rows: number[][]): Promise<Float32Array>;
  /**
   * A buffer of `length` values to pack a batch into: one an earlier batch came back in when there is
   * one. A 16-image batch is 9.6 MB, and a fresh one costs its page faults on every batch.
   */
  batchBuffer(length: number): Float32Array;
  /** Embeds n CHW tensors of side `size` packed in `data`, whose buffer is transferred to the worker. */
  embedPixels(data: Float32Array, n: number, size: number): Promise<Float32Array>;
  close(): Promise<void>;
}

type RequestBody = WorkerRequest extends infer R ? (R extends unknown ? Omit<R, 'id'> : never) : never;

function toError(e: WorkerError): Error {
  return e.userCode ? new UserError(e.message, e.userCode) : new Error(e.message);
}

export async function startInferenceWorker(init: WorkerInit): Promise<InferenceClient> {
  // Here, in the thread that starts the worker: a worker cannot set a variable native code sees.
  ensureOrtTelemetryOff();
  const worker = startWorker(import.meta.url, 'inference-worker', init);
  const pending = new Map<
    number,
    { resolve: (v: Float32Array | undefined) => void; reject: (e: Error) => void }
  >();
  // Batch buffers the worker has handed back: two cover a batch running while the next is packed.
  const spareBatches: Float32Array[] = [];
  let nextId = 1;
  let dead: Error | undefined;
  let closeRequested = false;

  const failAll = (e: Error) => {
    dead ??= e;
    for (const p of pending.values()) p.reject(e);
    pending.clear();
  };

  const ready = new Promise<Extract<WorkerReply, { kind: 'ready' }>>((resolve, reject) => {
    worker.on('message', (msg: WorkerReply) => {
      if (msg.kind === 'ready') return resolve(msg);
      if (msg.kind === 'init-failed') return reject(toError(msg.error));
      const p = pending.get(msg.id);
      if (!p) return;
      pending.delete(msg.id);
      if (msg.kind === 'result') {
        if (msg.input && spareBatches.length < 2) spareBatches.push(msg.input);
        p.resolve(msg.embeddings);
      } else if (msg.kind === 'closed') p.resolve(undefined);
      else p.reject(toError(msg.error));
    });
    worker.on('error', (e) => {
      const err = new Error(`the inference worker crashed: ${e.message}`, { cause: e });
      reject(err);
      failAll(err);
    });
    worker.on('exit', (code) => {
      const err = new Error(
        closeRequested ? 'the CLIP engine is closed' : `the inference worker stopped (exit code ${code})`,
      );
      reject(err);
      failAll(err);
    });
  });

  let hello: Extract<WorkerReply, { kind: 'ready' }>;
  try {
    hello = await ready;
  } catch (e) {
    await worker.terminate();
    throw e;
  }

  function send(req: RequestBody, transfer: ArrayBuffer[] = []): Promise<Float32Array | undefined> {
    if (dead) return Promise.reject(dead);
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      worker.postMessage({ ...req, id } as WorkerRequest, transfer);
    });
  }

  let closing: Promise<void> | undefined;
  return {
    device: hello.device,
    ...(hello.textInput.fixedLength ? { fixedTextLength: hello.textInput.fixedLength } : {}),
    async embedTokenRows(rows) {
      return (await send({ kind: 'text', rows }))!;
    },
    batchBuffer(length) {
      const i = spareBatches.findIndex((b) => b.length === length);
      return i >= 0 ? spareBatches.splice(i, 1)[0]! : new Float32Array(length);
    },
    async embedPixels(data, n, size) {
      return (await send({ kind: 'vision', data, n, size }, [data.buffer as ArrayBuffer]))!;
    },
    close() {
      closing ??= (async () => {
        closeRequested = true;
        if (!dead) await send({ kind: 'close' }).catch(() => undefined);
        dead ??= new Error('the CLIP engine is closed');
        await worker.terminate();
      })();
      return closing;
    },
  };
}
