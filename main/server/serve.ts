// `lookbook serve`: the core, the API and the interface in a browser, on 127.0.0.1 only.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DeviceRequest } from '../engine/types.js';
import { writeFileAtomic } from '../temp-files.js';
import { createCoreApi } from '../api/core-api.js';
import { ensureDataDir } from '../host/data-dir.js';
import { buildRenderer, defaultRendererDir, isRendererBuilt } from './renderer-build.js';
import { startServer } from './http-server.js';
import type { RunningServer } from './http-server.js';
import type { CoreApi } from '../api/dispatch.js';

export interface ServeOptions {
  dataDir: string;
  /** Where the library's tables live (see CoreOptions.store). */
  store?: string;
  port?: number;
  model?: string;
  device?: DeviceRequest;
  rendererDir?: string;
  /** Build the interface when it is missing (default true). */
  build?: boolean;
  log?: (line: string) => void;
}

export interface WebMode {
  server: RunningServer;
  api: CoreApi;
  close(): Promise<void>;
}

/** Where the web mode keeps its secret: in the data directory, readable by its owner only. */
export function webTokenPath(dataDir: string): string {
  return join(dataDir, 'web-token');
}

const TOKEN_SHAPE = /^[A-Za-z0-9_-]{32,}$/;

/**
 * The secret that the link carries. Kept in the data directory rather than made fresh at each launch, so
 * that a page left open reconnects by itself when `lookbook serve` is started again (on the same port)
 * instead of asking for a new link. It guards the same thing as before: whoever can read the data
 * directory can read the library itself, and other users and web pages still cannot learn it.
 */
export async function webToken(dataDir: string): Promise<string> {
  const file = webTokenPath(dataDir);
  const kept = (await readFile(file, 'utf8').catch(() => '')).trim();
  if (TOKEN_SHAPE.test(kept)) return kept;
  const token = randomBytes(24).toString('base64url');
  await writeFileAtomic(file, `${token}\n`, { mode: 0o600 });
  return token;
}

export async function startWebMode(options: ServeOptions): Promise<WebMode> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  let rendererDir = options.rendererDir;
  if (!rendererDir) {
    rendererDir = defaultRendererDir();
    if (!isRendererBuilt(rendererDir) && options.build !== false) await buildRenderer(log);
  }
  ensureDataDir(options.dataDir);
  const api = await createCoreApi({
    dataDir: options.dataDir,
    ...(options.store ? { store: options.store } : {}),
    ...(options.model ? { model: options.model } : {}),
    ...(options.device ? { device: options.device } : {}),
  });
  let server: RunningServer;
  try {
    server = await startServer({
      api,
      port: options.port ?? 0,
      rendererDir,
      token: await webToken(options.dataDir),
    });
  } catch (e) {
    await api.close();
    throw e;
  }
  return {
    server,
    api,
    async close() {
      await server.close();
      await api.close();
    },
  };
}
