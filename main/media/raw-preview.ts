/**
 * Camera RAW files (CR2, CR3, NEF, ARW, DNG, RAF, ORF, RW2, …) all embed a full- or near-full-size JPEG
 * rendering made by the camera: that is what Lookbook shows, tags and searches. Each maker stores it
 * differently (TIFF strips, SubIFDs, maker notes, a RAF header offset, a CR3 box), so rather than parse a
 * dozen containers this walks the bytes for JPEG streams (SOI … EOI, following the marker structure) and
 * keeps the one with the most pixels. Lossless-JPEG streams (SOF3, the sensor data itself in CR2/DNG)
 * are skipped: sharp cannot decode them and they are not a viewable picture.
 */

export interface JpegStream {
  start: number;
  end: number;
  width: number;
  height: number;
}

const SOF_LOSSY = new Set([0xc0, 0xc1, 0xc2]);

/** Parses one JPEG stream starting at `start` (an SOI); returns undefined when it is not a complete one. */
export function parseJpegStream(buf: Buffer, start: number): JpegStream | undefined {
  let pos = start + 2;
  let width = 0;
  let height = 0;
  let lossy = false;
  while (pos + 4 <= buf.length) {
    if (buf[pos] !== 0xff) return undefined;
    const marker = buf[pos + 1]!;
    if (marker === 0xff) {
      pos++; // fill byte
      continue;
    }
    if (marker === 0xd9) return lossy && width && height ? { start, end: pos + 2, width, height } : undefined;
    if ((marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      pos += 2;
      continue;
    }
    const length = buf.readUInt16BE(pos + 2);
    if (length < 2) return undefined;
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      if (pos + 9 > buf.length) return undefined;
      lossy = SOF_LOSSY.has(marker);
      height = buf.readUInt16BE(pos + 5);
      width = buf.readUInt16BE(pos + 7);
    }
    pos += 2 + length;
    if (marker === 0xda) {
      // Entropy-coded data: a 0xFF byte there is followed by 0x00 (stuffing) or a restart marker.
      while (pos + 1 < buf.length) {
        if (buf[pos] === 0xff) {
          const next = buf[pos + 1]!;
          if (next !== 0x00 && !(next >= 0xd0 && next <= 0xd7) && next !== 0xff) break;
        }
        pos++;
      }
    }
  }
  return undefined;
}

/** The largest decodable JPEG embedded in a RAW file, or undefined when there is none. */
export function findLargestJpeg(buf: Buffer): JpegStream | undefined {
  let best: JpegStream | undefined;
  let pos = 0;
  for (;;) {
    pos = buf.indexOf(0xff, pos);
    if (pos < 0 || pos + 3 > buf.length) break;
    if (buf[pos + 1] === 0xd8 && buf[pos + 2] === 0xff) {
      const stream = parseJpegStream(buf, pos);
      if (stream) {
        if (!best || stream.width * stream.height > best.width * best.height) best = stream;
        // Thumbnails nested inside this stream (in its EXIF) are smaller: skip over them.
        pos = stream.end;
        continue;
      }
    }
    pos++;
  }
  return best;
}
