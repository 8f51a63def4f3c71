// Request bodies of the web API: how large each may be, how many bytes the server holds at once, and
// how a body that is too large is refused.
//
// Why: an API call's body is JSON, read whole before JSON.parse, and a search by image carries the
// image inside it as base64 ('search.query' imageBase64, the same request Electron IPC carries). Once,
// every call could buffer 80 MB and nothing bounded how many did so at once: six 75 MB bodies took the
// server from 209 MB to 976 MB of memory (and it kept 905 MB), and a 100 MB body got a connection reset.
//
// Three rules, all here:
//   1. A cap per kind of request (`bodyLimit`), from what main/api/validate.ts accepts: 1 MiB for
//      ordinary calls, 4 MiB for vocabularies, and for 'search.query' the base64 of the largest image
//      a search by image takes (MAX_SEARCH_IMAGE_BYTES) plus 1 MiB.
//   2. Budgets of body bytes held at once (`BodyBudgets`): a call reserves its size before its body is
//      read and gives it back once answered; bodies over 4 MiB (searches by image) go one at a time.
//      The others wait with their bodies unread (in the kernel's socket buffers, not ours).
//   3. A body over its cap is refused with 413 and a JSON body that names the limit, from Content-Length
//      before reading anything, or as soon as a chunked body passes the cap; the rest of what the
//      client sends is read and thrown away for a while, so that it reads our answer instead of a reset.
//
// Why base64 in JSON rather than streaming the image to a temporary file: the renderer sends one typed
// request whatever the transport (Electron IPC carries the same SearchRequest), and one search by image
// at a time bounds memory however many arrive. Measured (tests/server/request-body-memory.test.ts): six
// searches at the largest size at once raise the server's RSS by about 220 MB (460 MB before), six
// 75 MB bodies by under 60 MB (over 770 MB before), and it returns to within a few MB afterwards.
import type { IncomingMessage } from 'node:http';
import { MAX_SEARCH_IMAGE_BYTES } from '../api/validate.js';
import { formatBytes } from '../format-bytes.js';

const KiB = 1024;
const MiB = 1024 * KiB;

/** How large a call's body may be, and the words that say so. */
export interface BodyLimit {
  bytes: number;
  /** Completes "This request is too large: …" for the person who sees the error. */
  explain: string;
}

/**
 * Every call but the ones below: ids, paths (at most 4,096 characters), short texts and search filters.
 * The largest, a search with every filter at the validator's maximum (50 tags and 50 formats of 2,000
 * characters), is about 600 KB even when every character takes 3 bytes of UTF-8.
 */
export const JSON_LIMIT = 1 * MiB;

/**
 * 'vocabularies.import' takes up to 1,000,000 characters of text (validate.ts): at most 3 bytes each in
 * UTF-8, and a newline is 2 bytes once escaped in JSON, so under 4 MiB. 'vocabularies.save' carries
 * the same labels as a list, so a vocabulary that was imported can be saved.
 */
export const VOCABULARY_LIMIT = 4 * MiB;

/** 'search.query': the image in base64 (4 characters for every 3 bytes) and the rest of the request. */
export const SEARCH_LIMIT = Math.ceil(MAX_SEARCH_IMAGE_BYTES / 3) * 4 + JSON_LIMIT;

/**
 * Body bytes held at once. A call holds its share from before its body is read until it is answered,
 * because the parsed request (and a search's decoded image) live that long, and memory follows: a body
 * costs about 4 times its size while it is handled, and its garbage stays until V8 collects it.
 *   - Bodies up to VOCABULARY_LIMIT share SMALL_BUDGET: a few vocabularies or many ordinary calls.
 *   - A larger one (only a search by image can be larger) takes LARGE_BUDGET whole: one at a time. A
 *     person drops one image at a time, and the interface asks for one page of results at a time.
 */
export const SMALL_BUDGET = 4 * VOCABULARY_LIMIT;
export const LARGE_BUDGET = SEARCH_LIMIT;

/** Calls that may wait for the budget; beyond that a call is answered 503 at once. */
export const MAX_WAITING = 32;

/** After a 413, how much more of the body is read (and dropped) so the client gets the answer. */
const LINGER_BYTES = 128 * MiB;
const LINGER_MS = 10_000;

/** The cap for a call, by its method name (known from the URL before the body is read). */
export function bodyLimit(method: string): BodyLimit {
  switch (method) {
    case 'search.query':
      return {
        bytes: SEARCH_LIMIT,
        explain: `a search by image takes an image of at most ${formatBytes(MAX_SEARCH_IMAGE_BYTES)}; try a smaller copy of it`,
      };
    case 'vocabularies.import':
    case 'vocabularies.save':
      return {
        bytes: VOCABULARY_LIMIT,
        explain: `a vocabulary may be at most ${formatBytes(VOCABULARY_LIMIT)}`,
      };
    default:
      return { bytes: JSON_LIMIT, explain: `an API call takes at most ${formatBytes(JSON_LIMIT)}` };
  }
}

/** The declared Content-Length, or null for a chunked body (Node's parser has already checked it). */
export function declaredLength(req: IncomingMessage): number | null {
  const header = req.headers['content-length'];
  return header === undefined ? null : Number(header);
}

/**
 * The bytes of body held at once. `reserve(n)` resolves once n bytes fit, in order of arrival (a small
 * call does not overtake a large one forever), and returns the function that gives them back. It
 * answers null instead when MAX_WAITING calls already wait, or when `cancelled` settles (the client
 * left) before its turn.
 */
export class BodyBudget {
  private used = 0;
  private readonly waiting: Array<{ bytes: number; grant: () => void }> = [];

  constructor(readonly capacity: number) {}

  reserve(bytes: number, cancelled: Promise<void>): Promise<(() => void) | null> {
    const amount = Math.min(bytes, this.capacity);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.used -= amount;
      this.grantWaiting();
    };
    if (this.waiting.length === 0 && this.used + amount <= this.capacity) {
      this.used += amount;
      return Promise.resolve(release);
    }
    if (this.waiting.length >= MAX_WAITING) return Promise.resolve(null);
    return new Promise((resolve) => {
      const waiter = {
        bytes: amount,
        grant: () => {
          this.used += amount;
          resolve(release);
        },
      };
      this.waiting.push(waiter);
      void cancelled.then(() => {
        const i = this.waiting.indexOf(waiter);
        if (i < 0) return;
        this.waiting.splice(i, 1);
        // The one that left may have been holding back smaller calls behind it.
        this.grantWaiting();
        resolve(null);
      });
    });
  }

  private grantWaiting(): void {
    while (this.waiting.length > 0 && this.used + this.waiting[0]!.bytes <= this.capacity) {
      this.waiting.shift()!.grant();
    }
  }
}

/** The two budgets of the server, and which one a call of `bytes` (its Content-Length or cap) draws on. */
export class BodyBudgets {
  private readonly small = new BodyBudget(SMALL_BUDGET);
  private readonly large = new BodyBudget(LARGE_BUDGET);

  reserve(bytes: number, cancelled: Promise<void>): Promise<(() => void) | null> {
    if (bytes <= VOCABULARY_LIMIT) return this.small.reserve(bytes, cancelled);
    return this.large.reserve(LARGE_BUDGET, cancelled);
  }
}

/** Thrown by readBody when a body passes its cap; the caller answers 413. */
export class BodyTooLarge extends Error {
  constructor() {
    super('request body too large');
    this.name = 'BodyTooLarge';
  }
}

/**
 * Reads a body of at most `limit` bytes. With a Content-Length (already checked against the limit) it
 * fills one buffer of that size; a chunked body is kept in pieces until it ends, and is refused the
 * moment it passes the limit. On BodyTooLarge the rest of the body is left unread for `answerAndDropBody`.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolveBody, reject) => {
    const declared = declaredLength(req);
    // One buffer of the declared size: no pieces to join, so the body is in memory once, not twice.
    const whole = declared === null ? null : Buffer.allocUnsafe(declared);
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      if (size + chunk.length > (declared ?? limit)) {
        req.off('data', onData);
        req.off('end', onEnd);
        req.pause();
        chunks.length = 0;
        reject(new BodyTooLarge());
        return;
      }
      if (whole) chunk.copy(whole, size);
      else chunks.push(chunk);
      size += chunk.length;
    };
    const onEnd = () => {
      if (whole) resolveBody(size === declared ? whole : whole.subarray(0, size));
      else resolveBody(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', reject);
    // After 'end' this changes nothing; before it, the client left and the body will never be whole.
    req.on('close', () => reject(new Error('the client went away')));
  });
}

/** A 413 for a body over its cap: a JSON error that names the limit, for people and for code. */
export function tooLargeBody(limit: BodyLimit): unknown {
  return {
    error: {
      message: `This request is too large: ${limit.explain}.`,
      code: 'too-large',
      limitBytes: limit.bytes,
    },
  };
}

/**
 * Sends an answer before the body was read (413, or 503 when too many calls wait), then reads and drops
 * the rest of the body (up to LINGER_BYTES or LINGER_MS). Closing a socket that still has unread data
 * makes the kernel answer with a reset, which can reach the client before our answer does; reading the
 * rest keeps nothing in memory and, on 127.0.0.1, takes little time. A client that goes on sending past
 * that is cut off. Once the body has ended, the connection stays open for the next call, as after any
 * other answer.
 */
export function answerAndDropBody(req: IncomingMessage, answer: () => void): void {
  answer();
  let dropped = 0;
  const cutOff = () => req.socket.destroy();
  const timer = setTimeout(cutOff, LINGER_MS);
  timer.unref();
  const stop = () => clearTimeout(timer);
  req.on('data', (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > LINGER_BYTES) {
      stop();
      cutOff();
    }
  });
  req.once('end', stop);
  req.once('close', stop);
  req.resume();
}
