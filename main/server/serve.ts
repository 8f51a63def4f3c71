// `lookbook serve`: the core, the API and the interface in a browser, on 127.0.0.1 only.
import type { DeviceRequest } from '../engine/types.js';
import { createCoreApi } from '../api/core-api.js';
import { ensureDataDir } from '../host/data-dir.js';
import { buildRenderer, defaultRendererDir, isRendererBuilt } from './renderer-build.js';
import { startServer } from './http-server.js';
import type { RunningServer } from './http-server.js';
import type { CoreApi } from '../api/dispatch.js';

export interface ServeOptions {
  dataDir: string;
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
    ...(options.model ? { model: options.model } : {}),
    ...(options.device ? { device: options.device } : {}),
  });
  let server: RunningServer;
  try {
    server = await startServer({ api, port: options.port ?? 0, rendererDir });
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
