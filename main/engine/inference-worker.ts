// A worker thread that owns one CLIP tower's onnxruntime session, so that inference never blocks the
// thread that started the engine (the Electron main process, the CLI, the web server). onnxruntime's
// run() holds its calling thread for the whole batch, so each tower gets its own worker: a search's
// text is encoded while the indexer's images are.
// [Note: inference worker protocol]
import { parentPort, workerData } from 'node:worker_threads';
import { isUserError } from '../errors.js';
import { openTower, runText, runVision } from './onnx-sessions.js';
import type { TowerSession } from './onnx-sessions.js';
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
  let tower: TowerSession;
  try {
    tower = await openTower({
      tower: init.tower,
      modelPath: init.modelPath,
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
    queue = queue.then(() => handle(tower, req));
  });
  const fixedLength = tower.tower === 'text' ? tower.io.fixedLength : undefined;
  reply({ kind: 'ready', device: tower.device, textInput: fixedLength ? { fixedLength } : {} });
}

async function run(tower: TowerSession, req: Exclude<WorkerRequest, { kind: 'close' }>) {
  if (req.kind === 'text' && tower.tower === 'text') return runText(tower, req.rows, init.padId);
  if (req.kind === 'vision' && tower.tower === 'vision') return runVision(tower, req.data, req.n, req.size);
  throw new Error(`this inference worker runs the ${tower.tower} tower, not the ${req.kind} one`);
}

async function handle(tower: TowerSession, req: WorkerRequest) {
  try {
    if (req.kind === 'close') {
      await tower.session.release();
      reply({ id: req.id, kind: 'closed' });
      port!.close();
      return;
    }
    // A copy that owns its buffer: onnxruntime's output memory may not be transferable.
    const embeddings = new Float32Array(await run(tower, req));
    if (req.kind !== 'vision') return reply({ id: req.id, kind: 'result', embeddings }, [embeddings.buffer]);
    // The batch goes back too: onnxruntime is done with it, and the engine packs the next batch into it.
    const input = req.data;
    reply({ id: req.id, kind: 'result', embeddings, input }, [
      embeddings.buffer,
      input.buffer as ArrayBuffer,
    ]);
  } catch (e) {
    reply({ id: req.id, kind: 'failed', error: toWorkerError(e) });
  }
}

void main();
