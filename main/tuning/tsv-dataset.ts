import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import sharp from 'sharp';

/** One line of a fine-tuning TSV: a pair, or why the line was skipped (1-based line numbers). */
export type TsvRecord =
  { ok: true; line: number; text: string; image: Buffer } | { ok: false; line: number; reason: string };

export interface ReadTsvOptions {
  /** Check that every image decodes (sharp reads its header). Default true. */
  checkImages?: boolean;
}

const HEADER_TEXT = /^(text|caption|title|label)$/i;
const HEADER_IMAGE = /^(image|img|image_base64|base64|image_b64)$/i;

/**
 * Streams the CLIP fine-tuning TSV format: one pair per line, `text<TAB>base64 image`, the image in
 * standard or URL-safe base64, padded or not. Files can be large, so lines are read one at a time and
 * each pair is yielded as soon as it is checked. A bad line (no tab, empty text, bad base64, an image
 * that does not decode) is yielded as `{ ok: false, line, reason }` and reading goes on, so one broken
 * line never costs the others. Blank lines are skipped; a first line that looks like a header
 * (`text<TAB>image`, `caption<TAB>image`, …) too. The image is the last column, so a text may contain tabs.
 */
export async function* readTsvPairs(path: string, options: ReadTsvOptions = {}): AsyncGenerator<TsvRecord> {
  const { checkImages = true } = options;
  const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  let line = 0;
  for await (let raw of lines) {
    line++;
    if (line === 1 && raw.charCodeAt(0) === 0xfeff) raw = raw.slice(1);
    if (raw.trim() === '') continue;
    const tab = raw.lastIndexOf('\t');
    if (tab < 0) {
      yield { ok: false, line, reason: 'missing column: expected text<TAB>base64 image' };
      continue;
    }
    const text = raw.slice(0, tab).trim();
    const encoded = raw.slice(tab + 1).trim();
    if (line === 1 && HEADER_TEXT.test(text) && HEADER_IMAGE.test(encoded)) continue;
    if (text === '') {
      yield { ok: false, line, reason: 'empty text column' };
      continue;
    }
    const decoded = decodeBase64Strict(encoded);
    if (typeof decoded === 'string') {
      yield { ok: false, line, reason: decoded };
      continue;
    }
    if (checkImages) {
      const problem = await imageProblem(decoded);
      if (problem) {
        yield { ok: false, line, reason: problem };
        continue;
      }
    }
    yield { ok: true, line, text, image: decoded };
  }
}

/**
 * Decodes standard (`+/`) or URL-safe (`-_`) base64, with or without `=` padding. Node's own decoder
 * silently skips characters it does not know, which would turn a corrupt line into a corrupt image;
 * this one returns a reason instead.
 */
export function decodeBase64Strict(s: string): Buffer | string {
  if (s === '') return 'empty image column';
  const bad = s.search(/[^A-Za-z0-9+/\-_=]/);
  if (bad >= 0) return `image column is not base64 (unexpected character at position ${bad + 1})`;
  const body = s.replace(/=+$/, '');
  if (body.includes('=')) return 'image column is not base64 (padding in the middle)';
  const padding = s.length - body.length;
  if (padding > 2 || (padding > 0 && s.length % 4 !== 0)) return 'image column has wrong base64 padding';
  if (body.length % 4 === 1) return 'image column is truncated base64';
  if (/[+/]/.test(body) && /[-_]/.test(body)) return 'image column mixes standard and URL-safe base64';
  return Buffer.from(body, 'base64');
}

/** Why sharp cannot use these bytes as an image, or null when it can. */
export async function imageProblem(input: Buffer | string): Promise<string | null> {
  try {
    const meta = await sharp(input).metadata();
    if (!meta.format || !meta.width || !meta.height) return 'image cannot be decoded (no size in its header)';
    return null;
  } catch (e) {
    return `image cannot be decoded: ${e instanceof Error ? e.message : String(e)}`;
  }
}

export interface WriteTsvOptions {
  /** 'standard' (+/, the default) or 'url' (-_). */
  alphabet?: 'standard' | 'url';
  /** Keep the trailing '=' padding (default true). */
  padding?: boolean;
}

/**
 * Writes pairs in the same TSV format, one line each, and returns how many. Tabs and line breaks in a
 * text become spaces (the format cannot carry them).
 */
export async function writeTsvPairs(
  path: string,
  pairs: Iterable<{ text: string; image: Buffer }> | AsyncIterable<{ text: string; image: Buffer }>,
  options: WriteTsvOptions = {},
): Promise<number> {
  const { alphabet = 'standard', padding = true } = options;
  const out = createWriteStream(path, { encoding: 'utf8' });
  const closed = once(out, 'close');
  let count = 0;
  try {
    for await (const pair of pairs) {
      let b64 = pair.image.toString(alphabet === 'url' ? 'base64url' : 'base64');
      if (alphabet === 'url' && padding) b64 += '='.repeat((4 - (b64.length % 4)) % 4);
      if (alphabet === 'standard' && !padding) b64 = b64.replace(/=+$/, '');
      const text = pair.text.replace(/[\t\r\n]+/g, ' ').trim();
      if (!out.write(`${text}\t${b64}\n`)) await once(out, 'drain');
      count++;
    }
  } finally {
    out.end();
    await closed;
  }
  return count;
}
