// `lookbook models pull ID`: downloads a catalogue model from a Hugging Face-style server
// ({endpoint}/{repo}/resolve/{revision}/{file}), resuming, verifying and installing it atomically.
//
// Files go to <dataDir>/models/.tmp-<id>-download/ (in progress: <file>.part; finished and verified:
// <file>). An interrupted pull leaves that folder so the next pull resumes with HTTP Range requests. A
// file that fails verification is never kept: the whole temp folder is deleted. Only when every file
// is verified and the engine has loaded the folder and embedded a test text and image is the folder
// renamed to <dataDir>/models/<id>.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, promises as fsp } from 'node:fs';
import { dirname, join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { httpGet, proxyFor, type HttpResponse } from './http-get.js';
import { describeError, isUserError, UserError } from '../errors.js';
import type { CatalogueEntry, CatalogueFile } from './catalogue.js';
import { installFolder, probeModelFolder } from './import-model.js';
import { modelsDir, writeManifest, type ModelManifest } from './installed-models.js';

export const DEFAULT_HF_ENDPOINT = 'https://huggingface.co';

export type PullPhase = 'download' | 'verify' | 'validate' | 'install' | 'done';

export interface PullProgress {
  phase: PullPhase;
  /** The file being worked on (download and verify phases). */
  file?: string;
  fileIndex: number;
  fileCount: number;
  /** Bytes on disk for the whole model so far (resumed bytes included). */
  bytes: number;
  /** Expected bytes for the whole model (estimates until each server reports its size). */
  total: number;
  /** Bytes per second over the last few seconds of this run. */
  speedBps: number;
  /** Seconds left at the current speed; undefined until there is a speed. */
  etaSeconds?: number;
}

export interface PullOptions {
  dataDir: string;
  entry: CatalogueEntry;
  /** Defaults to HF_ENDPOINT, then https://huggingface.co. */
  endpoint?: string;
  signal?: AbortSignal;
  onProgress?: (p: PullProgress) => void;
  /** Retries of a file after a dropped connection, each resuming where the last stopped (default 3). */
  retries?: number;
  /** First retry delay; doubles each time (default 1000 ms). */
  retryDelayMs?: number;
  /** Replace an installed model of the same id. */
  force?: boolean;
  /** Sent as a bearer token to the endpoint only (never to redirect targets); defaults to HF_TOKEN. */
  token?: string;
  /** Where HF_ENDPOINT, HF_TOKEN and the proxy variables (HTTPS_PROXY, HTTP_PROXY, NO_PROXY) are read. */
  env?: NodeJS.ProcessEnv;
}

export interface PullResult {
  id: string;
  dir: string;
  bytes: number;
  /** Bytes actually transferred by this call (less than `bytes` when resuming). */
  transferred: number;
}

export function hfEndpoint(env: NodeJS.ProcessEnv = process.env): string {
  return (env.HF_ENDPOINT || DEFAULT_HF_ENDPOINT).replace(/\/+$/, '');
}

export function resolveUrl(endpoint: string, repo: string, revision: string, file: string): string {
  const encPath = file.split('/').map(encodeURIComponent).join('/');
  return `${endpoint}/${repo}/resolve/${encodeURIComponent(revision)}/${encPath}`;
}

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

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
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

function errnoCode(e: unknown): string | undefined {
  let cur: unknown = e;
  for (let i = 0; i < 5 && cur; i++) {
    const code = (cur as { code?: string }).code;
    if (code) return code;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

function isAbort(e: unknown, signal?: AbortSignal): boolean {
  return !!signal?.aborted || (e as { name?: string })?.name === 'AbortError';
}

/** Thrown inside one attempt when the connection dropped mid-file: worth retrying with a Range request. */
class InterruptedError extends Error {}

interface FileState {
  spec: CatalogueFile;
  /** Best knowledge of the file's size: the server's when known, else the catalogue's estimate. */
  size: number;
  done: number;
}

class SpeedMeter {
  private samples: { t: number; bytes: number }[] = [];
  add(bytesTotal: number): void {
    const t = performance.now();
    this.samples.push({ t, bytes: bytesTotal });
    while (this.samples.length > 2 && t - this.samples[0]!.t > 5000) this.samples.shift();
  }
  speed(): number {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (!first || !last || last.t - first.t < 200) return 0;
    return ((last.bytes - first.bytes) * 1000) / (last.t - first.t);
  }
}

async function statSize(p: string): Promise<number | undefined> {
  try {
    return (await fsp.stat(p)).size;
  } catch {
    return undefined;
  }
}

async function sha256File(p: string, signal?: AbortSignal): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(p), hash, { signal });
  return hash.digest('hex');
}

/** The temp folder a pull of `id` works in; stable across runs so that a later pull resumes. */
export function downloadTempDir(dataDir: string, id: string): string {
  return join(modelsDir(dataDir), `.tmp-${id}-download`);
}

export async function pullModel(opts: PullOptions): Promise<PullResult> {
  const { entry, dataDir, signal } = opts;
  const env = opts.env ?? process.env;
  const endpoint = (opts.endpoint ?? hfEndpoint(env)).replace(/\/+$/, '');
  const endpointOrigin = new URL(endpoint).origin;
  const token = opts.token ?? env.HF_TOKEN;
  const retries = opts.retries ?? 3;
  const retryDelayMs = opts.retryDelayMs ?? 1000;

  const root = modelsDir(dataDir);
  const target = join(root, entry.id);
  if (!opts.force && (await statSize(target)) !== undefined) {
    throw new UserError(
      `model '${entry.id}' is already installed (use --force to download it again)`,
      'model-exists',
    );
  }
  const tmp = downloadTempDir(dataDir, entry.id);
  await fsp.mkdir(tmp, { recursive: true });

  const files: FileState[] = entry.files.map((spec) => ({ spec, size: spec.size ?? 0, done: 0 }));
  for (const f of files) {
    f.done =
      (await statSize(join(tmp, f.spec.path))) ?? (await statSize(join(tmp, `${f.spec.path}.part`))) ?? 0;
    // A finished file's real size is known; until the server says otherwise trust it over the estimate.
    if ((await statSize(join(tmp, f.spec.path))) !== undefined) f.size = f.done;
  }
  const total = (): number => files.reduce((s, f) => s + Math.max(f.size, f.done), 0);
  const bytes = (): number => files.reduce((s, f) => s + f.done, 0);

  await checkFreeSpace(root, total() - bytes());

  const meter = new SpeedMeter();
  let lastEmit = 0;
  let transferred = 0;
  const emit = (phase: PullPhase, index: number, file?: string, force = false): void => {
    if (!opts.onProgress) return;
    const now = performance.now();
    if (!force && now - lastEmit < 100) return;
    lastEmit = now;
    const speedBps = meter.speed();
    const left = total() - bytes();
    opts.onProgress({
      phase,
      ...(file ? { file } : {}),
      fileIndex: index,
      fileCount: files.length,
      bytes: bytes(),
      total: total(),
      speedBps,
      ...(speedBps > 0 ? { etaSeconds: left / speedBps } : {}),
    });
  };

  /** Deletes everything downloaded so far: used when what we have is known to be wrong. */
  const discard = async (): Promise<void> => {
    await fsp.rm(tmp, { recursive: true, force: true });
  };

  try {
    for (const [index, f] of files.entries()) {
      const finalPath = join(tmp, f.spec.path);
      if ((await statSize(finalPath)) !== undefined && !f.spec.sha256) continue;
      if ((await statSize(finalPath)) !== undefined && f.spec.sha256) {
        // Pinned files are cheap to re-check and a stale temp folder may predate the pin.
        if ((await sha256File(finalPath, signal)) === f.spec.sha256) continue;
        await fsp.rm(finalPath, { force: true });
        f.done = 0;
      }
      await fsp.mkdir(dirname(finalPath), { recursive: true });
      const url = resolveUrl(endpoint, entry.repo, entry.revision, f.spec.path);
      let attempt = 0;
      let expected: { size?: number; sha256?: string } = {};
      for (;;) {
        try {
          expected = await downloadOnce({
            url,
            file: f,
            partPath: `${finalPath}.part`,
            env,
            signal,
            authFor: (u) => (token && new URL(u).origin === endpointOrigin ? `Bearer ${token}` : undefined),
            onBytes: (n) => {
              transferred += n;
              meter.add(transferred);
              emit('download', index, f.spec.path);
            },
          });
          break;
        } catch (e) {
          if (e instanceof InterruptedError && attempt < retries) {
            attempt++;
            await sleep(retryDelayMs * 2 ** (attempt - 1), undefined, { signal });
            continue;
          }
          throw e;
        }
      }
      emit('verify', index, f.spec.path, true);
      await verifyFile(`${finalPath}.part`, f.spec.path, expected, f.spec.sha256, signal, discard);
      await fsp.rename(`${finalPath}.part`, finalPath);
      emit('download', index, f.spec.path, true);
    }

    emit('validate', files.length - 1, undefined, true);
    let probe;
    try {
      probe = await probeModelFolder(tmp, { dataDir });
    } catch (e) {
      await discard();
      throw new UserError(
        `the downloaded files of '${entry.id}' do not form a working model (${describeError(e)}); deleted`,
        'model-invalid',
        { cause: e },
      );
    }
    const manifest: ModelManifest = {
      id: entry.id,
      name: entry.name,
      installedAt: new Date().toISOString(),
      layout: probe.model.layout,
      embedDim: probe.model.embedDim,
      source: { type: 'catalogue', repo: entry.repo, revision: entry.revision, endpoint },
      files: await Promise.all(
        files.map(async (f) => ({ path: f.spec.path, size: (await statSize(join(tmp, f.spec.path))) ?? 0 })),
      ),
    };
    await writeManifest(tmp, manifest);
    emit('install', files.length - 1, undefined, true);
    await installFolder(tmp, target, !!opts.force);
    emit('done', files.length - 1, undefined, true);
    return { id: entry.id, dir: target, bytes: bytes(), transferred };
  } catch (e) {
    // A file the server does not have means the catalogue entry is wrong: nothing here is worth resuming.
    if (isUserError(e) && e.code === 'model-file-not-found') await discard();
    else await removeIfHoldsNoFiles(tmp);
    if (isAbort(e, signal)) {
      throw new UserError(
        `download of '${entry.id}' cancelled; run the pull again to resume where it stopped`,
        'cancelled',
        { cause: e },
      );
    }
    if (isUserError(e)) throw e;
    if (e instanceof InterruptedError) {
      throw new UserError(
        `download of '${entry.id}' was interrupted (${e.message}); run the pull again to resume where it stopped`,
        'download-interrupted',
        { cause: e },
      );
    }
    const code = errnoCode(e);
    if (code === 'ENOSPC') {
      throw new UserError(
        `disk full while downloading '${entry.id}' into ${root}; free some space and run the pull again to resume`,
        'disk-full',
        { cause: e },
      );
    }
    throw e;
  }
}

/** Removes a temp folder that holds no file (only empty folders): nothing to resume from. */
async function removeIfHoldsNoFiles(dir: string): Promise<void> {
  const holdsFile = async (d: string): Promise<boolean> => {
    let entries;
    try {
      entries = await fsp.readdir(d, { withFileTypes: true });
    } catch {
      return false;
    }
    for (const e of entries) {
      if (!e.isDirectory() || (await holdsFile(join(d, e.name)))) return true;
    }
    return false;
  };
  if (!(await holdsFile(dir))) await fsp.rm(dir, { recursive: true, force: true });
}

async function checkFreeSpace(dir: string, needed: number): Promise<void> {
  if (needed <= 0) return;
  await fsp.mkdir(dir, { recursive: true });
  let free: number;
  try {
    const s = await fsp.statfs(dir);
    free = Number(s.bavail) * Number(s.bsize);
  } catch {
    return; // not knowable here: the write itself will report ENOSPC
  }
  if (free < needed) {
    throw new UserError(
      `not enough disk space in ${dir}: the model needs about ${formatBytes(needed)} more, ${formatBytes(free)} is free`,
      'disk-full',
    );
  }
}

interface DownloadOnceArgs {
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
async function downloadOnce(a: DownloadOnceArgs): Promise<{ size?: number; sha256?: string }> {
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

async function verifyFile(
  partPath: string,
  label: string,
  expected: { size?: number; sha256?: string },
  pinnedSha: string | undefined,
  signal: AbortSignal | undefined,
  discard: () => Promise<void>,
): Promise<void> {
  const got = (await statSize(partPath)) ?? 0;
  if (expected.size !== undefined && got !== expected.size) {
    await discard();
    throw new UserError(
      `${label} is corrupt: expected ${expected.size} bytes, got ${got}; deleted`,
      'checksum-mismatch',
    );
  }
  const wanted = [...new Set([pinnedSha, expected.sha256].filter((s): s is string => !!s))];
  if (wanted.length === 0) return;
  const actual = await sha256File(partPath, signal);
  for (const sha of wanted) {
    if (actual !== sha) {
      await discard();
      throw new UserError(
        `${label} is corrupt: expected sha256 ${sha}, got ${actual}; deleted`,
        'checksum-mismatch',
      );
    }
  }
}
