import { open, readFile, stat } from 'node:fs/promises';
import { MediaError, fsErrorToMediaError } from './errors.js';

/**
 * Reads the first `length` bytes of a regular file (fewer if the file is shorter) and its size. Fails
 * with a MediaError for folders, missing files and permission problems, and with 'empty' for zero bytes.
 */
export async function readHead(path: string, length: number): Promise<{ head: Buffer; size: number }> {
  let handle;
  try {
    handle = await open(path, 'r');
    const info = await handle.stat();
    if (!info.isFile()) throw new MediaError(`${path}: is not a regular file`, 'not-a-file', path);
    if (info.size === 0) throw new MediaError(`${path}: the file is empty (0 bytes)`, 'empty', path);
    const buf = Buffer.alloc(Math.min(length, info.size));
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    return { head: buf.subarray(0, bytesRead), size: info.size };
  } catch (e) {
    throw fsErrorToMediaError(e, path);
  } finally {
    await handle?.close();
  }
}

/** Reads a whole file, mapping failures to MediaError (for the decoders that need the bytes in memory). */
export async function readWhole(path: string): Promise<Buffer> {
  try {
    const buf = await readFile(path);
    if (buf.length === 0) throw new MediaError(`${path}: the file is empty (0 bytes)`, 'empty', path);
    return buf;
  } catch (e) {
    throw fsErrorToMediaError(e, path);
  }
}

/** stat() with the same error mapping. */
export async function statFile(path: string): Promise<{ size: number; mtime: Date }> {
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new MediaError(`${path}: is not a regular file`, 'not-a-file', path);
    return { size: info.size, mtime: info.mtime };
  } catch (e) {
    throw fsErrorToMediaError(e, path);
  }
}
