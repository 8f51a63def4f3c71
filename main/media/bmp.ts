import { decode } from '@cwasm/nsbmp';
import type { RawImage } from './pnm.js';

/**
 * BMP through @cwasm/nsbmp: NetSurf's libnsbmp compiled to WebAssembly. It handles what Windows and old
 * scanners write (1/4/8/16/24/32 bit, RLE4/RLE8, bit fields, top-down rows) and gives opaque alpha for
 * 24-bit files; the pure-JS bmp-ts leaves alpha at 0 there, which makes every 24-bit BMP transparent.
 */

export class BmpError extends Error {}

/** Width and height from the header, so the pixel limit is checked before the decoder allocates. */
export function readBmpSize(buf: Buffer): { width: number; height: number } {
  if (buf.length < 26 || buf.toString('latin1', 0, 2) !== 'BM') throw new BmpError('not a BMP file');
  const headerSize = buf.readUInt32LE(14);
  if (headerSize === 12) return { width: buf.readUInt16LE(18), height: buf.readUInt16LE(20) };
  return { width: Math.abs(buf.readInt32LE(18)), height: Math.abs(buf.readInt32LE(22)) };
}

export function decodeBmp(buf: Buffer): RawImage {
  let image;
  try {
    image = decode(buf);
  } catch (e) {
    throw new BmpError('the BMP data is damaged or truncated', { cause: e });
  }
  const data = Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength);
  return { data, width: image.width, height: image.height, channels: 4 };
}
