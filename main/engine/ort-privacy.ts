// onnxruntime 1.29+ on Linux and macOS carries Microsoft's 1DS telemetry: from the first session of a
// process it queues usage events in ~/.cache/Microsoft/DeveloperTools/.onnxruntime/onnxruntime.db (with a
// device id), leaves an empty mat-debug-<pid>.log in the temporary folder and uploads the events to
// mobile.events.data.microsoft.com. Lookbook promises that nothing leaves the machine, so it is switched
// off with ORT_DISABLE_TELEMETRY=1, which the native library reads with getenv() once, when its
// environment is created (the first InferenceSession), and keeps for the life of the process.
//
// Where the variable is set matters. onnxruntime runs in worker threads (inference-worker.ts), and a
// worker's `process.env` is its own copy: Node writes only the main thread's assignments to the real
// environment that native code reads ("only the main thread can make changes that are visible to the
// operating system or to native add-ons", Node's process.env documentation). Set from inside the worker,
// as this module once did, it was never seen. So the thread that starts an inference worker switches it
// off first, and the worker checks it received it before creating a session. The entry points also set it
// before anything runs, and pass it to every process they spawn (bin/lookbook.js, scripts/start.mjs, the
// Electron utility process): see ORT_PRIVACY_ENV.
import { isMainThread } from 'node:worker_threads';

/** The environment that keeps onnxruntime from recording anything, for processes Lookbook spawns. */
export const ORT_PRIVACY_ENV = { ORT_DISABLE_TELEMETRY: '1' } as const;

/**
 * Makes sure onnxruntime will see its telemetry switched off in this process. On the main thread it sets
 * the variable (only when missing, so the real environment is written once, before threads read it). In
 * a worker thread it can only check what the worker inherited: a worker's copy holds the variable when
 * its parent had it, and the parent's comes from the main thread or the shell, both of which set the real
 * environment. Throws rather than let a session start with the telemetry on.
 */
export function ensureOrtTelemetryOff(): void {
  if (process.env.ORT_DISABLE_TELEMETRY === ORT_PRIVACY_ENV.ORT_DISABLE_TELEMETRY) return;
  if (isMainThread) {
    process.env.ORT_DISABLE_TELEMETRY = ORT_PRIVACY_ENV.ORT_DISABLE_TELEMETRY;
    return;
  }
  throw new Error(
    "onnxruntime's telemetry is not switched off in this worker thread: start inference workers from " +
      'the main thread through startInferenceWorker (engine/inference-client.ts)',
  );
}
