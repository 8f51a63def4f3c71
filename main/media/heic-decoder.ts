// HEIC decoding off the main thread: a small pool of worker threads running heic-decode (see
// heic-worker.ts for why). Workers start on the first HEIC and stop after a quiet spell, because each
// holds libheif's WebAssembly memory, which only grows.
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../worker-thread.js';

/** The encoded file (its buffer is transferred). */
export interface HeicRequest {
  data: ArrayBuffer;
  /** Decode this image item (a thumbnail, see heif-thumbnail.ts) instead of the primary image. */
  itemId?: number;
}

export type HeicReply =
  { width: number; height: number; /** RGBA, 8 bits per sample. */ data: ArrayBuffer } | { error: string };

export interface DecodedHeic {
  width: number;
  height: number;
  /** RGBA, 8 bits per sample. */
  data: Buffer;
}

/**
 * Up to as many decodes at once as the indexer runs decoders (4), one per core: a HEIC costs ~10× the
 * model's time per photo, so HEIC libraries index as fast as these workers decode.
 */
const POOL_SIZE = Math.max(1, Math.min(4, availableParallelism()));
const IDLE_MS = 20_000;

/** A worker decodes one file at a time; `current` is the request it is working on. */
interface PooledWorker {
  worker: Worker;
  current?: { resolve: (r: DecodedHeic) => void; reject: (e: Error) => void };
  idleTimer?: NodeJS.Timeout;
}

const pool: PooledWorker[] = [];
const waiting: (() => void)[] = [];

function spawn(): PooledWorker {
  const entry: PooledWorker = { worker: startWorker(import.meta.url, 'heic-worker') };
  entry.worker.on('message', (reply: HeicReply) => {
    const request = entry.current;
    entry.current = undefined;
    if ('error' in reply) request?.reject(new Error(reply.error));
    else request?.resolve({ width: reply.width, height: reply.height, data: Buffer.from(reply.data) });
  });
  // A worker that crashed (out of memory on a hostile file) or was stopped when idle leaves the pool;
  // the request it was working on fails, and the next one gets a new worker.
  const drop = (e: Error) => {
    const i = pool.indexOf(entry);
    if (i >= 0) pool.splice(i, 1);
    clearTimeout(entry.idleTimer);
    entry.current?.reject(e);
    entry.current = undefined;
    waiting.shift()?.();
  };
  entry.worker.on('error', drop);
  entry.worker.on('exit', (code) => drop(new Error(`the HEIC decoder stopped (exit code ${code})`)));
  pool.push(entry);
  return entry;
}

/**
 * Decodes a HEIC file's primary image, or the item `itemId` (its thumbnail), in a worker thread. Rejects
 * with the decoder's message.
 */
export async function decodeHeic(file: Uint8Array, itemId?: number): Promise<DecodedHeic> {
  let entry: PooledWorker | undefined;
  while (!(entry = pool.find((w) => !w.current) ?? (pool.length < POOL_SIZE ? spawn() : undefined)))
    await new Promise<void>((resolve) => waiting.push(resolve));
  const worker = entry;
  clearTimeout(worker.idleTimer);
  worker.worker.ref();
  // A copy the worker can own (`new Uint8Array(typedArray)` copies; a Buffer's slice() would not, and
  // transferring its memory would empty the caller's buffer, or Node's shared pool).
  const data = new Uint8Array(file).buffer;
  try {
    return await new Promise<DecodedHeic>((resolve, reject) => {
      worker.current = { resolve, reject };
      worker.worker.postMessage({ data, itemId } satisfies HeicRequest, [data]);
    });
  } finally {
    if (pool.includes(worker)) {
      // Idle, it must not keep the process alive, and it goes away after a while.
      worker.worker.unref();
      worker.idleTimer = setTimeout(() => void worker.worker.terminate(), IDLE_MS);
      worker.idleTimer.unref();
    }
    waiting.shift()?.();
  }
}
