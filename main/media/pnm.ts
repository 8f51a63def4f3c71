/**
 * Netpbm reader (PBM, PGM, PPM in both plain-text P1–P3 and binary P4–P6, and PAM P7). The format is small
 * and fully specified (netpbm.sourceforge.net/doc), and no maintained npm package reads all of it without
 * pulling in an imaging framework, so it lives here. Samples wider than 8 bits (maxval up to 65535) are
 * scaled to 8 bits: thumbnails and CLIP need no more.
 */

export interface PnmHeader {
  magic: 'P1' | 'P2' | 'P3' | 'P4' | 'P5' | 'P6' | 'P7';
  width: number;
  height: number;
  maxval: number;
  /** Samples per pixel in the file (1 grey, 2 grey+alpha, 3 RGB, 4 RGBA). */
  depth: number;
  /** Offset of the first raster byte (binary) or first sample token (plain). */
  dataOffset: number;
}

export interface RawImage {
  data: Buffer;
  width: number;
  height: number;
  channels: 1 | 2 | 3 | 4;
}

export class PnmError extends Error {}

function isSpace(c: number | undefined): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x0b || c === 0x0c;
}

/** A cursor over header tokens that skips whitespace and '#' comments. */
class Tokens {
  constructor(
    private readonly buf: Buffer,
    public pos: number,
  ) {}

  private skip(): void {
    for (;;) {
      const c = this.buf[this.pos];
      if (c === undefined) return;
      if (isSpace(c)) this.pos++;
      else if (c === 0x23) while (this.pos < this.buf.length && this.buf[this.pos] !== 0x0a) this.pos++;
      else return;
    }
  }

  next(): string {
    this.skip();
    const start = this.pos;
    while (this.pos < this.buf.length && !isSpace(this.buf[this.pos]) && this.buf[this.pos] !== 0x23)
      this.pos++;
    if (start === this.pos) throw new PnmError('the header ends early');
    return this.buf.toString('latin1', start, this.pos);
  }

  int(what: string, min: number, max: number): number {
    const token = this.next();
    if (!/^\d+$/.test(token)) throw new PnmError(`the ${what} "${token.slice(0, 20)}" is not a number`);
    const v = Number(token);
    if (v < min || v > max) throw new PnmError(`the ${what} ${v} is outside ${min}..${max}`);
    return v;
  }
}

const MAX_DIMENSION = 1 << 24;

/** Parses the header only: cheap, so the caller can refuse huge images before anything is allocated. */
export function readPnmHeader(buf: Buffer): PnmHeader {
  const magic = buf.toString('latin1', 0, 2);
  if (!/^P[1-7]$/.test(magic)) throw new PnmError('not a Netpbm file');
  const t = new Tokens(buf, 2);
  if (magic === 'P7') return readPamHeader(buf, t);
  const width = t.int('width', 1, MAX_DIMENSION);
  const height = t.int('height', 1, MAX_DIMENSION);
  const bitmap = magic === 'P1' || magic === 'P4';
  const maxval = bitmap ? 1 : t.int('maxval', 1, 65535);
  const depth = magic === 'P3' || magic === 'P6' ? 3 : 1;
  // Binary rasters start after exactly one whitespace byte; plain ones are read token by token.
  const binary = magic === 'P4' || magic === 'P5' || magic === 'P6';
  if (binary && !isSpace(buf[t.pos])) throw new PnmError('the header ends early');
  return {
    magic: magic as PnmHeader['magic'],
    width,
    height,
    maxval,
    depth,
    dataOffset: binary ? t.pos + 1 : t.pos,
  };
}

function readPamHeader(buf: Buffer, t: Tokens): PnmHeader {
  let width = 0;
  let height = 0;
  let depth = 0;
  let maxval = 0;
  for (;;) {
    const key = t.next();
    if (key === 'ENDHDR') break;
    if (key === 'WIDTH') width = t.int('width', 1, MAX_DIMENSION);
    else if (key === 'HEIGHT') height = t.int('height', 1, MAX_DIMENSION);
    else if (key === 'DEPTH') depth = t.int('depth', 1, 4);
    else if (key === 'MAXVAL') maxval = t.int('maxval', 1, 65535);
    else if (key === 'TUPLTYPE') t.next();
    else throw new PnmError(`unknown PAM header field "${key.slice(0, 20)}"`);
  }
  if (!width || !height || !depth || !maxval)
    throw new PnmError('the PAM header lacks WIDTH, HEIGHT, DEPTH or MAXVAL');
  // ENDHDR is followed by one newline.
  if (buf[t.pos] !== 0x0a) throw new PnmError('the header ends early');
  return { magic: 'P7', width, height, maxval, depth, dataOffset: t.pos + 1 };
}

/** Decodes the first image of a Netpbm file to 8-bit samples. PBM's 1 means black. */
export function decodePnm(buf: Buffer, header: PnmHeader = readPnmHeader(buf)): RawImage {
  const { magic, width, height, maxval, depth, dataOffset } = header;
  const count = width * height * depth;
  const out = Buffer.alloc(count);
  const scale = (v: number): number =>
    maxval === 255 ? v : Math.round((Math.min(v, maxval) * 255) / maxval);
  if (magic === 'P4') {
    const rowBytes = Math.ceil(width / 8);
    if (buf.length < dataOffset + rowBytes * height) throw new PnmError('the pixel data is truncated');
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const bit = (buf[dataOffset + y * rowBytes + (x >> 3)]! >> (7 - (x & 7))) & 1;
        out[y * width + x] = bit ? 0 : 255;
      }
    }
  } else if (magic === 'P5' || magic === 'P6' || magic === 'P7') {
    const wide = maxval > 255;
    if (buf.length < dataOffset + count * (wide ? 2 : 1)) throw new PnmError('the pixel data is truncated');
    for (let i = 0; i < count; i++) {
      out[i] = scale(wide ? buf.readUInt16BE(dataOffset + 2 * i) : buf[dataOffset + i]!);
    }
  } else {
    let pos = dataOffset;
    for (let i = 0; i < count; i++) {
      while (pos < buf.length && (isSpace(buf[pos]) || buf[pos] === 0x23)) {
        if (buf[pos] === 0x23) while (pos < buf.length && buf[pos] !== 0x0a) pos++;
        else pos++;
      }
      if (pos >= buf.length) throw new PnmError('the pixel data is truncated');
      if (magic === 'P1') {
        // Plain PBM samples may be written without separators ("0110").
        const c = buf[pos++];
        if (c !== 0x30 && c !== 0x31) throw new PnmError('the pixel data holds something other than 0 and 1');
        out[i] = c === 0x31 ? 0 : 255;
      } else {
        let v = 0;
        const start = pos;
        while (pos < buf.length && buf[pos]! >= 0x30 && buf[pos]! <= 0x39) v = v * 10 + buf[pos++]! - 0x30;
        if (pos === start) throw new PnmError('the pixel data holds something other than numbers');
        out[i] = scale(v);
      }
    }
  }
  return { data: out, width, height, channels: depth as RawImage['channels'] };
}
