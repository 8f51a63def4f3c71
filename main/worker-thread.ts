// Starting a worker thread whose module sits next to the caller, whether Lookbook runs from source (tsx,
// `.ts` files: the CLI, the tests) or compiled (`.js`: the Electron build).
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

/**
 * `name` (without extension) next to the module at `callerUrl` (its import.meta.url), with the caller's
 * own extension. A `.ts` worker needs tsx, but on Node 20 neither an inherited `--import tsx` nor a
 * registered hook reaches a worker's entry module; tsx's tsImport (its own scoped loader) does, so a
 * one-line bootstrap loads the worker through it.
 */
export function startWorker(
  callerUrl: string,
  name: string,
  workerData?: unknown,
  transferList: ArrayBuffer[] = [],
): Worker {
  const ext = extname(fileURLToPath(callerUrl));
  const url = new URL(`./${name}${ext}`, callerUrl);
  if (ext !== '.ts') return new Worker(url, { workerData, transferList });
  const api = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  const bootstrap = `import(${api}).then((tsx) => tsx.tsImport(${JSON.stringify(url.href)}, ${JSON.stringify(url.href)}))`;
  return new Worker(bootstrap, { eval: true, workerData, transferList });
}
