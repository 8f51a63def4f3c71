// One HTTP attempt at one file of a pull, and how its failures are told apart: a dropped connection
// (InterruptedError: the caller retries from where the .part file stopped), a server that cannot be
// reached, refuses or lacks the file (a UserError that says so), and a cancel (passed through).
import { createWriteStream } from 'node:fs';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describeError, isUserError, UserError } from '../errors.js';
import type { CatalogueFile } from './catalogue.js';
import { statSize } from './download-folder.js';
import { httpGet, proxyFor, type HttpResponse } from './http-get.js';

/** A sha256 from an ETag-like header value, when it is one (git blob ids are 40 hex digits: ignored). */
export function sha256FromEtag(value: string | null | undefined): string | undefined {
  if (!value) return undefined;
  const v = value
    .trim()
    .replace(/^W\//, '')
    .replace(/^"(.*)"$/, '$1')
    .toLowerCase();
  return /^[0-9a-f]{64}$/.test(v) ? v : undefined;
}

/** A network failure before any response: the machine could not reach the server. */
function isConnectError(e: unknown): string | undefined {
  const codes = [
    'ECONNREFUSED',
    'ENOTFOUND',
    'EAI_AGAIN',
    'ENETUNREACH',
    'EHOSTUNREACH',
    'UND_ERR_CONNECT_TIMEOUT',
  ];
  let cur: unknown = e;
  for (let i = 0; i < 5 && cur; i++) {
    const code = (cur as { code?: string }).code;
    if (code && codes.includes(code)) return code;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

/** The first errno-style code on the error or its causes (ENOSPC, ECONNRESET, …). */
export function errnoCode(e: unknown): string | undefined {
  let cur: unknown = e;
  for (let i = 0; i < 5 && cur; i++) {
    const code = (cur as { code?: string }).code;
    if (code) return code;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

export function isAbort(e: unknown, signal?: AbortSignal): boolean {
  return !!signal?.aborted || (e as { name?: string })?.name === 'AbortError';
}

/** Thrown inside one attempt when the connection dropped mid-file: worth retrying with a Range request. */
export class InterruptedError extends Error {}

/** A file of the pull, as the attempts see it: updated while bytes arrive. */
export interface FileState {
  spec: CatalogueFile;
  /** Best knowledge of the file's size: the server's when known, else the catalogue's estimate. */
  size: number;
  done: number;
}

export interface DownloadOnceArgs {
  url: string;
  file: FileState;
  partPath: string;
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  authFor: (url: string) => string | undefined;
  onBytes: (n: number) => void;
}

/**
 * One HTTP attempt at a file, appending to its .part file from where it stopped. Follows redirects by
 * hand because Hugging Face puts the LFS file's SHA-256 and size (X-Linked-Etag, X-Linked-Size) on the
 * first 302, not on the CDN's final response. Returns what the server said the file should be.
 */
export async function downloadOnce(a: DownloadOnceArgs): Promise<{ size?: number; sha256?: string }> {
  const offset = (await statSize(a.partPath)) ?? 0;
  a.file.done = offset;
  let url = a.url;
  let linkedSha: string | undefined;
  let linkedSize: number | undefined;
  let res: HttpResponse;
  for (let hop = 0; ; hop++) {
    if (hop > 10) throw new UserError(`too many redirects fetching ${a.url}`, 'download-failed');
    const headers: Record<string, string> = { 'accept-encoding': 'identity' };
    if (offset > 0) headers.range = `bytes=${offset}-`;
    const auth = a.authFor(url);
    if (auth) headers.authorization = auth;
    try {
      res = await httpGet(url, headers, { env: a.env, ...(a.signal ? { signal: a.signal } : {}) });
    } catch (e) {
      if (isAbort(e, a.signal)) throw e;
      if (isUserError(e)) throw e;
      const code = isConnectError(e);
      if (code) {
        const proxy = proxyFor(url, a.env);
        throw new UserError(
          proxy
            ? `could not reach ${new URL(url).host} through the proxy ${proxy.host} (${code}); check the proxy settings`
            : `could not reach ${new URL(url).host} (${code}); check the network connection`,
          'network-unreachable',
          { cause: e },
        );
      }
      throw new InterruptedError(describeError(e), { cause: e });
    }
    linkedSha ??= sha256FromEtag(res.header('x-linked-etag'));
    const ls = res.header('x-linked-size');
    if (linkedSize === undefined && ls && /^\d+$/.test(ls)) linkedSize = Number(ls);
    if (res.status >= 300 && res.status < 400 && res.header('location')) {
      url = new URL(res.header('location')!, url).toString();
      res.discard();
      continue;
    }
    break;
  }

  const fileLabel = a.file.spec.path;
  if (res.status === 404) {
    res.discard();
    throw new UserError(`${fileLabel} not found at ${a.url} (404)`, 'model-file-not-found');
  }
  if (res.status === 401 || res.status === 403) {
    res.discard();
    throw new UserError(
      `the server refused ${a.url} (${res.status}); the repository may be private or gated (set HF_TOKEN)`,
      'download-refused',
    );
  }
  if (res.status === 416) {
    // Nothing left to send from `offset`: the part is already whole (or longer than the file).
    res.discard();
    const range = res.header('content-range');
    const m = range && /\/(\d+)$/.exec(range);
    const size = linkedSize ?? (m ? Number(m[1]) : undefined);
    if (size !== undefined) a.file.size = size;
    return { ...(size !== undefined ? { size } : {}), ...(linkedSha ? { sha256: linkedSha } : {}) };
  }
  if (res.status >= 500) {
    res.discard();
    throw new InterruptedError(`server error ${res.status}`);
  }
  if (res.status !== 200 && res.status !== 206) {
    res.discard();
    throw new UserError(`unexpected answer ${res.status} from ${url}`, 'download-failed');
  }

  let append = false;
  let size = linkedSize;
  if (res.status === 206) {
    const range = res.header('content-range') ?? '';
    const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(range.trim());
    if (!m || Number(m[1]) !== offset) {
      res.discard();
      throw new InterruptedError(`the server answered a different range (${range || 'none'})`);
    }
    if (m[3] !== '*') size ??= Number(m[3]);
    append = true;
  } else {
    // 200: the whole file (the server ignored or did not get a Range header): start over.
    const len = res.header('content-length');
    if (len && /^\d+$/.test(len)) size ??= Number(len);
    a.file.done = 0;
  }
  if (size !== undefined) a.file.size = size;
  const etagSha = linkedSha ?? sha256FromEtag(res.header('etag'));

  const counter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      a.file.done += chunk.length;
      a.onBytes(chunk.length);
      cb(null, chunk);
    },
  });
  try {
    await pipeline(
      res.body,
      counter,
      createWriteStream(a.partPath, { flags: append ? 'a' : 'w' }),
      ...(a.signal ? [{ signal: a.signal }] : []),
    );
  } catch (e) {
    if (isAbort(e, a.signal)) throw e;
    const code = errnoCode(e);
    if (code === 'ENOSPC' || code === 'EDQUOT' || code === 'EACCES' || code === 'EROFS') throw e;
    throw new InterruptedError(describeError(e), { cause: e });
  }
  const got = (await statSize(a.partPath)) ?? 0;
  a.file.done = got;
  if (size !== undefined && got < size) throw new InterruptedError(`got ${got} of ${size} bytes`);
  return { ...(size !== undefined ? { size } : {}), ...(etagSha ? { sha256: etagSha } : {}) };
}
