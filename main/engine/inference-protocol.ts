// [Note: inference worker protocol] The messages between the engine (inference-client.ts) and an
// inference worker thread (inference-worker.ts), which runs one tower. Change both sides together.
import type { DeviceInfo, DeviceRequest, ExecutionProvider } from './types.js';

export interface WorkerInit {
  tower: 'text' | 'vision';
  modelPath: string;
  device: DeviceRequest;
  threads?: number;
  spinWait?: boolean;
  padId: number;
  forceProvider?: ExecutionProvider;
}

export type WorkerRequest =
  | { id: number; kind: 'text'; rows: number[][] }
  /** `data`: `n` CHW float32 tensors of side `size`, back to back (its buffer is transferred). */
  | { id: number; kind: 'vision'; data: Float32Array; n: number; size: number }
  | { id: number; kind: 'close' };

export interface WorkerError {
  message: string;
  /** Set when the error is meant for the user (UserError) and should be rethrown as one. */
  userCode?: string;
}

export type WorkerReply =
  /** `textInput` is the text tower's: a fixed sequence length when its graph has one. */
  | { kind: 'ready'; device: DeviceInfo; textInput: { fixedLength?: number } }
  | { kind: 'init-failed'; error: WorkerError }
  /**
   * `embeddings`: n rows of the embedding dimension, L2-normalized (its buffer is transferred). `input`:
   * a vision request's own batch buffer, transferred back for the next batch to be packed into.
   */
  | { id: number; kind: 'result'; embeddings: Float32Array; input?: Float32Array }
  | { id: number; kind: 'failed'; error: WorkerError }
  | { id: number; kind: 'closed' };
