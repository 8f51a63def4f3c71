import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import heicDecode from 'heic-decode';
import { decodeHeic } from '../../main/media/heic-decoder.js';
import { PHOTOS } from './helpers.js';

// HEIC (most phone photos) decodes in worker threads: a 12-MP photo costs about a second of synchronous
// WebAssembly, which on the main thread would freeze the web server and searches while indexing.

const BEE = join(PHOTOS, 'images heic', 'bee.heic');

test('decodes in a worker exactly what heic-decode gives on the main thread', async () => {
  const file = await readFile(BEE);
  const direct = await heicDecode({ buffer: file });
  const pooled = await decodeHeic(file);
  assert.deepEqual([pooled.width, pooled.height], [direct.width, direct.height]);
  assert.ok(
    Buffer.from(direct.data.buffer, direct.data.byteOffset, direct.data.byteLength).equals(pooled.data),
  );
  assert.ok(file.equals(await readFile(BEE)), 'the caller keeps its buffer (the worker gets a copy)');
});

test('the main thread stays free while HEICs decode', async () => {
  const file = await readFile(BEE);
  const busy = async (decode: () => Promise<unknown>) => {
    const start = performance.eventLoopUtilization();
    await Promise.all(Array.from({ length: 16 }, decode));
    return performance.eventLoopUtilization(start).utilization;
  };
  await decodeHeic(file); // workers started
  const onMainThread = await busy(() => heicDecode({ buffer: file }));
  const inWorkers = await busy(() => decodeHeic(file));
  assert.ok(onMainThread > 0.8, `decoding on the main thread keeps it busy (${onMainThread.toFixed(2)})`);
  assert.ok(inWorkers < 0.5, `the event loop was busy ${(inWorkers * 100).toFixed(0)}% of the time`);
});

test('a damaged HEIC fails with the decoder message; the next one decodes', async () => {
  const file = await readFile(BEE);
  const damaged = Buffer.concat([file.subarray(0, 400), Buffer.alloc(2000, 0x5a)]);
  await assert.rejects(decodeHeic(damaged), (e: Error) => e.message.length > 0);
  const ok = await decodeHeic(file);
  assert.equal(ok.width, 384);
});
