// The worker thread that owns the onnxruntime sessions, so that inference never blocks the thread
// that started the engine (the Electron main process, the CLI, the web server).
// [Note: inference worker protocol]
import { parentPort, workerData } from 'node:worker_threads';
import { isUserError } from '../errors.js';
import { openClipSessions, runText, runVision } from './onnx-sessions.js';
import type { ClipSessions } from './onnx-sessions.js';
import type { WorkerError, WorkerInit, WorkerReply, WorkerRequest } from './inference-protocol.js';

const port = parentPort;
if (!port) throw new Error('inference-worker.ts must be started as a worker thread');
const init = workerData as WorkerInit;

function toWorkerError(e: unknown): WorkerError {
  const message = e instanceof Error ? e.message : String(e);
  return isUserError(e) ? { message, userCode: e.code } : { message };
}

function reply(msg: WorkerReply, transfer: ArrayBuffer[] = []) {
  port!.postMessage(msg, transfer);
}

async function main() {
  let sessions: ClipSessions;
  try {
    sessions = await openClipSessions({
      textModelPath: init.textModelPath,
      visionModelPath: init.visionModelPath,
      device: init.device,
      ...(init.threads ? { threads: init.threads } : {}),
      ...(init.spinWait !== undefined ? { spinWait: init.spinWait } : {}),
      ...(init.forceProvider ? { forceProvider: init.forceProvider } : {}),
    });
  } catch (e) {
    reply({ kind: 'init-failed', error: toWorkerError(e) });
    return;
  }
  // Requests run one at a time: onnxruntime already uses every intra-op thread for one batch.
  let queue = Promise.resolve();
  port!.on('message', (req: WorkerRequest) => {
    queue = queue.then(() => handle(sessions, req));
  });
  reply({
    kind: 'ready',
    device: sessions.device,
    textInput: sessions.textIo.fixedLength ? { fixedLength: sessions.textIo.fixedLength } : {},
  });
}

async function handle(sessions: ClipSessions, req: WorkerRequest) {
  try {
    if (req.kind === 'close') {
      await sessions.release();
      reply({ id: req.id, kind: 'closed' });
      port!.close();
      return;
    }
    const raw =
      req.kind === 'text'
        ? await runText(sessions, req.rows, init.padId)
        : await runVision(sessions, req.data, req.n, req.size);
    // A copy that owns its buffer: onnxruntime's output memory may not be transferable.
    const embeddings = new Float32Array(raw);
    // The device travels with each result: the vision tower, created on first use, may have fallen back.
    reply({ id: req.id, kind: 'result', embeddings, device: sessions.device }, [embeddings.buffer]);
  } catch (e) {
    reply({ id: req.id, kind: 'failed', error: toWorkerError(e) });
  }
}

void main();
