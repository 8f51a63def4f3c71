import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { fsErrorToMediaError } from './errors.js';

/**
 * A photo's identity: the SHA-256 of its bytes, hex. A moved or renamed photo keeps its id (its vectors
 * and tags follow it); identical copies share one. Streamed, so a 100 MB RAW file costs no memory.
 */
export async function contentId(path: string): Promise<string> {
  const hash = createHash('sha256');
  try {
    await pipeline(createReadStream(path, { highWaterMark: 1 << 20 }), hash);
  } catch (e) {
    throw fsErrorToMediaError(e, path);
  }
  return hash.digest('hex');
}

/** The content id of photo bytes already in memory: the same id contentId() gives the file they came from. */
export function contentIdOfBytes(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
