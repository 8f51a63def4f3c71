import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Blake3Hasher } from '@napi-rs/blake-hash';
import type { ContentHash } from '../content-hash.js';
import { fsErrorToMediaError } from './errors.js';

// A photo's identity: the hash of its bytes, 64 hex characters. A moved or renamed photo keeps its id (its
// vectors and tags follow it); identical copies share one. Which hash depends on the library (see
// main/content-hash.ts): BLAKE3 for new libraries (~0.9 ms per 4 MB here, SHA-256 ~2.5 ms), SHA-256 for
// libraries written before. BLAKE3 from @napi-rs/blake-hash: native, fed the read stream's own buffers
// (no copy, unlike @node-rs/xxhash), and a 256-bit id keeps the collision margin SHA-256 had.

interface Hasher {
  update(bytes: Buffer): unknown;
  hex(): string;
}

function hasher(hash: ContentHash): Hasher {
  if (hash === 'blake3') {
    const h = new Blake3Hasher();
    return { update: (b) => h.update(b), hex: () => h.digest('hex') };
  }
  const h = createHash('sha256');
  return { update: (b) => h.update(b), hex: () => h.digest('hex') };
}

/** The content id of a file. Streamed in 1 MB reads, so a 100 MB RAW file costs no memory. */
export async function contentId(path: string, hash: ContentHash): Promise<string> {
  const h = hasher(hash);
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
  } catch (e) {
    throw fsErrorToMediaError(e, path);
  }
  return h.hex();
}

/**
 * Files up to this size are read whole by `readAndHash`: every photo format but the largest RAW files. The
 * bytes are then kept for the decode, so a photo is read from disk once.
 */
export const READ_WHOLE_LIMIT = 64 << 20;

/**
 * The content id of a file and, when it is at most READ_WHOLE_LIMIT bytes, the bytes themselves (for
 * the decode that follows: see ReadOptions.bytes). Larger files are streamed and `bytes` is absent.
 */
export async function readAndHash(
  path: string,
  hash: ContentHash,
): Promise<{ contentId: string; bytes?: Buffer }> {
  let bytes: Buffer | undefined;
  try {
    const handle = await open(path, 'r');
    try {
      if ((await handle.stat()).size <= READ_WHOLE_LIMIT) bytes = await handle.readFile();
    } finally {
      await handle.close();
    }
  } catch (e) {
    throw fsErrorToMediaError(e, path);
  }
  if (!bytes) return { contentId: await contentId(path, hash) };
  return { contentId: contentIdOfBytes(bytes, hash), bytes };
}

/** The content id of photo bytes already in memory: the same id contentId() gives the file they came from. */
export function contentIdOfBytes(bytes: Uint8Array, hash: ContentHash): string {
  const h = hasher(hash);
  h.update(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  return h.hex();
}
