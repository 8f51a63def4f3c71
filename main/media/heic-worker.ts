// The worker thread behind heic-decoder.ts: decodes HEIC with heic-decode (libheif compiled to
// WebAssembly). Decoding a 12-MP HEVC photo costs about a second of CPU, all of it synchronous, so on the
// main thread it would stall the web server, searches and progress events for that long.
import { parentPort } from 'node:worker_threads';
import heicDecode from 'heic-decode';
import libheif from 'libheif-js/wasm-bundle.js';
import type { HeicReply, HeicRequest } from './heic-decoder.js';

const port = parentPort;
if (!port) throw new Error('heic-worker.ts must be started as a worker thread');

/**
 * Decodes one image item by id (a thumbnail: heic-decode only decodes the primary). Parsing the file is
 * cheap; only this item's HEVC data is decoded.
 */
async function decodeItem(bytes: Uint8Array, itemId: number) {
  await libheif.ready;
  const decoder = new libheif.HeifDecoder();
  const images = decoder.decode(bytes);
  let item: ReturnType<typeof decoder.decode>[number] | undefined;
  try {
    if (images.length === 0) throw new Error('HEIF image not found');
    const handle = libheif.heif_js_context_get_image_handle(decoder.decoder, itemId);
    if (!handle || (handle as { code?: unknown }).code !== undefined)
      throw new Error(`the HEIF file has no image item ${itemId}`);
    item = new libheif.HeifImage(handle);
    const width = item.get_width();
    const height = item.get_height();
    const target = { data: new Uint8ClampedArray(width * height * 4), width, height };
    const shown = await new Promise<{ data: Uint8ClampedArray } | null>((resolve) =>
      item!.display(target, resolve),
    );
    if (!shown) throw new Error('HEIF processing error');
    return { width, height, data: shown.data };
  } finally {
    item?.free();
    for (const image of images) image.free();
    libheif.heif_context_free(decoder.decoder);
  }
}

port.on('message', (req: HeicRequest) => {
  const data = new Uint8Array(req.data);
  (req.itemId === undefined ? heicDecode({ buffer: data }) : decodeItem(data, req.itemId)).then(
    (img) => {
      // Both fill a fresh Uint8ClampedArray: its buffer can be handed over without a copy.
      const pixels = img.data.buffer as ArrayBuffer;
      const reply: HeicReply = { width: img.width, height: img.height, data: pixels };
      port.postMessage(reply, [pixels]);
    },
    (e: unknown) => {
      const reply: HeicReply = { error: e instanceof Error ? e.message : String(e) };
      port.postMessage(reply);
    },
  );
});
