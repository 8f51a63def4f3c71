// The CLIP engine's contract. Everything above the engine (library, search, tagging, fine-tuning, CLI,
// server) depends only on this file, never on onnxruntime directly.
import type { DeviceInfo, DeviceRequest } from './device.js';

/** The two public layouts of CLIP ONNX exports, detected from the folder's files. */
export type ModelLayout = 'hf' | 'immich';

// The device types live in device.ts (the renderer's type check reads them); they are part of this contract.
export type { DeviceInfo, DeviceRequest, ExecutionProvider } from './device.js';

export interface PreprocessConfig {
  size: number;
  mean: [number, number, number];
  std: [number, number, number];
  /** 'shortest': resize the shortest side, then centre-crop (CLIP). 'squash': resize both sides to size. */
  resizeMode: 'shortest' | 'squash';
  interpolation: 'bicubic' | 'bilinear';
}

export interface ModelInfo {
  /** Catalogue id ('demo', 'ViT-B-32__openai', …) or the folder's name for a model loaded by path. */
  id: string;
  name: string;
  dir: string;
  layout: ModelLayout;
  embedDim: number;
  contextLength: number;
  preprocess: PreprocessConfig;
  /** The generated colour-only demo model: the UI and CLI must say so plainly. */
  isDemo: boolean;
  /** CLIP's learned temperature (exp of logit_scale), used by zero-shot tagging; 100 when unknown. */
  logitScale: number;
}

/** One image ready for the vision tower: float32 CHW, already normalized. */
export type ImageTensor = Float32Array;

/**
 * Decoded, upright 8-bit pixels (HWC, 1–4 channels, sRGB), e.g. from the one decode the indexer shares
 * between the thumbnail and the model. May be smaller than the image (a JPEG decoded with shrink-on-load):
 * `sourceWidth`/`sourceHeight` then give the image's own upright size, which the resize plan follows so
 * the tensor matches preprocessing the file itself.
 */
export interface ImagePixels {
  data: Uint8Array;
  width: number;
  height: number;
  channels: 1 | 2 | 3 | 4;
  sourceWidth?: number;
  sourceHeight?: number;
}

export interface ClipEngine {
  readonly model: ModelInfo;
  readonly device: DeviceInfo;
  /** The ids the text model receives, before padding (start and end tokens included). */
  tokenize(text: string): number[];
  /** L2-normalized text embeddings, one per text, in order. */
  embedTexts(texts: string[]): Promise<Float32Array[]>;
  /** Decode + preprocess one image file or buffer (EXIF orientation, resize, crop, normalize). */
  preprocess(input: string | Buffer): Promise<ImageTensor>;
  /** Preprocess already-decoded pixels (resize, crop, normalize), at least the model's size on the short side. */
  preprocessPixels(pixels: ImagePixels): Promise<ImageTensor>;
  /** L2-normalized image embeddings for preprocessed tensors, batched for the model. */
  embedImageTensors(tensors: ImageTensor[]): Promise<Float32Array[]>;
  /** Convenience: preprocess + embed. */
  embedImages(inputs: (string | Buffer)[]): Promise<Float32Array[]>;
  close(): Promise<void>;
}

/** A model folder already found on disk (main/models resolves ids such as 'demo' to one). */
export interface ModelLocation {
  dir: string;
  /** 'demo', the installed model's id, or the folder's name for a model loaded by path. */
  id: string;
  isDemo: boolean;
}

export interface EngineOptions {
  /**
   * The model folder: a location resolved by main/models (resolveModelDir), or a folder's path (its name
   * is then the model's id). The engine reads no settings and knows no data directory.
   */
  model: string | ModelLocation;
  device?: DeviceRequest;
  /** Intra-op threads for onnxruntime (indexing leaves room for the rest of the machine). */
  threads?: number;
  /**
   * Let the vision tower's idle onnxruntime threads spin-wait for work (default false). Spinning shaves
   * a little latency per operator but burns a core whenever the model waits, which while indexing (photos
   * decode beside inference) takes CPU from the decoders. The text tower always spins: query latency.
   */
  spinWait?: boolean;
  /**
   * When the text tower's session is created (default 'at-start'). 'on-first-use' saves a process that
   * only indexes the ~0.75 s a ViT-B/32 text session takes to create (and its memory); until a tower has
   * started, `device` reports the planned device.
   */
  textTower?: 'at-start' | 'on-first-use';
}
