// The worker thread behind heic-decoder.ts: decodes HEIC with heic-decode (libheif compiled to
// WebAssembly). Decoding a 12-MP HEVC photo costs about a second of CPU, all of it synchronous, so on the
// main thread it would stall the web server, searches and progress events for that long.
import { parentPort } from 'node:worker_threads';
import heicDecode from 'heic-decode';
import type { HeicReply, HeicRequest } from './heic-decoder.js';

const port = parentPort;
if (!port) throw new Error('heic-worker.ts must be started as a worker thread');

port.on('message', (req: HeicRequest) => {
  heicDecode({ buffer: new Uint8Array(req.data) }).then(
    (img) => {
      // heic-decode fills a fresh Uint8ClampedArray: its buffer can be handed over without a copy.
      const data = img.data.buffer as ArrayBuffer;
      const reply: HeicReply = { width: img.width, height: img.height, data };
      port.postMessage(reply, [data]);
    },
    (e: unknown) => {
      const reply: HeicReply = { error: e instanceof Error ? e.message : String(e) };
      port.postMessage(reply);
    },
  );
});
