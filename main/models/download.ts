// `lookbook models pull ID`: downloads a catalogue model from a Hugging Face-style server
// ({endpoint}/{repo}/resolve/{revision}/{file}), resuming, verifying and installing it atomically.
//
// Files go to <dataDir>/models/.tmp-<id>-download/ (in progress: <file>.part; finished and verified:
// <file>). An interrupted pull leaves that folder so the next pull resumes with HTTP Range requests. A
// file that fails verification is never kept: the whole temp folder is deleted. Only when every file
// is verified and the engine has loaded the folder and embedded a test text and image is the folder
// renamed to <dataDir>/models/<id>.
//
// One attempt at one file is download-transfer.ts; checking and cleaning the temp folder is
// download-folder.ts.
import { promises as fsp } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describeError, isUserError, UserError } from '../errors.js';
import type { CatalogueEntry } from './catalogue.js';
import { checkFreeSpace, removeIfHoldsNoFiles, sha256File, statSize, verifyFile } from './download-folder.js';
import { downloadOnce, errnoCode, InterruptedError, isAbort, type FileState } from './download-transfer.js';
import { installFolder, probeModelFolder } from './import-model.js';
import { modelsDir, writeManifest, type ModelManifest } from './installed-models.js';

export { sha256FromEtag } from './download-transfer.js';

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

/** Speed over the last few seconds: a whole-run average would hide a connection that just slowed down. */
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
      const url = resolveUrl(endpoint, entry.repo, entry.revision, f.spec.from ?? f.spec.path);
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
