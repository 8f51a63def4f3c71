import { createHash } from 'node:crypto';
import { ADAPTER_FORMAT, ADAPTER_FORMAT_VERSION, applyAdapter } from '../adapters/adapter.js';
import type { Adapter } from '../adapters/adapter.js';
import { contrastiveLoss } from './contrastive-loss.js';
import type { AdapterParams } from './contrastive-loss.js';
import { createRng, gatherRows, shuffle } from '../adapters/linalg.js';
import { MIN_PAIRS, recallFromEmbeddings } from './recall.js';
import type { RecallReport } from './recall.js';

/** Paired embeddings from the frozen encoders: image[i] goes with text[i]. */
export interface TrainingPairs {
  image: Float32Array[];
  text: Float32Array[];
}

export interface TrainProgress {
  /** 'batch' reports come at most every half second within an epoch; 'epoch' after each epoch. */
  kind: 'batch' | 'epoch';
  epoch: number;
  epochs: number;
  step: number;
  stepsPerEpoch: number;
  /** Mean training loss over the epoch so far. */
  loss: number;
  logitScale: number;
  /** Only on 'epoch' reports: recall on the evaluation pairs with the weights after this epoch. */
  recall?: RecallReport;
}

export interface EpochRecord {
  epoch: number;
  loss: number;
  logitScale: number;
  recall: RecallReport;
  seconds: number;
}

export interface TrainOptions {
  train: TrainingPairs;
  /** Held-out pairs for early stopping and the before/after report. Without them, both use `train`. */
  val?: TrainingPairs;
  modelId?: string;
  /** Default 20. */
  epochs?: number;
  /** AdamW learning rate, default 1e-3. */
  lr?: number;
  /** Pairs per in-batch contrastive step, default 256 (more negatives per step is better for InfoNCE). */
  batchSize?: number;
  /** Decoupled (AdamW) decay of W towards 0, i.e. of the adapter towards the identity. Default 0.01. */
  weightDecay?: number;
  /** Same seed, same data, same options: the same adapter. Default 0. */
  seed?: number;
  /** Epochs without a better evaluation recall before stopping (0 = never stop early). Default 3. */
  patience?: number;
  /** Small sets make several passes per epoch so that an epoch is at least this many steps (10). */
  minStepsPerEpoch?: number;
  /** Stored on the adapter: 0 = zero-shot, 1 = fine-tuned (WiSE-FT interpolation). Default 1. */
  alpha?: number;
  /** Train the image side (default true). Off: stored image vectors never need re-projecting. */
  trainImage?: boolean;
  /** Train the text side (default true). */
  trainText?: boolean;
  /** Starting logit scale (exp of the temperature parameter). Default 100, CLIP's trained value. */
  initialLogitScale?: number;
  /** Evaluate on at most this many pairs (a seeded subset): recall costs O(n²·dim). Default 2000. */
  maxEvalPairs?: number;
  onProgress?: (progress: TrainProgress) => void;
  signal?: AbortSignal;
}

export interface TrainResult {
  adapter: Adapter;
  history: EpochRecord[];
  /** Recall of the zero-shot model (identity adapter) on the evaluation pairs. */
  before: RecallReport;
  /** Recall with the returned adapter (best epoch, at the requested alpha). */
  after: RecallReport;
  bestEpoch: number;
  stoppedEarly: boolean;
}

/** Recall during training is measured on at most this many pairs (a seeded sample of a larger set). */
export const MAX_EVAL_PAIRS = 2000;

const MAX_LOGIT_SCALE = 100;
const ADAM_BETA1 = 0.9;
const ADAM_BETA2 = 0.999;
const ADAM_EPS = 1e-8;

/**
 * Fine-tunes residual linear adapters on cached embeddings with CLIP's symmetric InfoNCE loss, AdamW and
 * early stopping on evaluation recall; the returned adapter holds the weights of the best epoch (epoch 0
 * is the zero-shot model, so an adapter never does worse than zero-shot on the evaluation pairs).
 * It yields to the event loop after every batch, so `signal` aborts it promptly (rejecting with the
 * signal's reason) and progress reaches the caller while it runs.
 */
export async function trainAdapter(options: TrainOptions): Promise<TrainResult> {
  const started = performance.now();
  const {
    train,
    val,
    modelId = 'unknown',
    epochs = 20,
    lr = 1e-3,
    batchSize = 256,
    weightDecay = 0.01,
    seed = 0,
    patience = 3,
    minStepsPerEpoch = 10,
    alpha = 1,
    trainImage = true,
    trainText = true,
    initialLogitScale = MAX_LOGIT_SCALE,
    maxEvalPairs = MAX_EVAL_PAIRS,
    onProgress,
    signal,
  } = options;
  const d = validatePairs(train, 'training');
  if (train.image.length < MIN_PAIRS)
    throw new Error(`fine-tuning needs at least ${MIN_PAIRS} training pairs`);
  if (val && val.image.length > 0 && validatePairs(val, 'validation') !== d) {
    throw new Error('validation embeddings have a different dimension from the training ones');
  }
  if (!(alpha >= 0 && alpha <= 1)) throw new RangeError(`alpha must be between 0 and 1, got ${alpha}`);
  if (!(batchSize >= MIN_PAIRS)) throw new RangeError(`batchSize must be at least ${MIN_PAIRS}`);
  if (!(lr > 0) || !(epochs >= 0) || !(weightDecay >= 0))
    throw new RangeError('lr, epochs and weightDecay must be positive');
  if (!trainImage && !trainText) throw new Error('nothing to train: both trainImage and trainText are off');
  signal?.throwIfAborted();

  const n = train.image.length;
  const rng = createRng(seed);
  const evalSet = val && val.image.length > 0 ? val : train;
  const evaluatedOn = evalSet === train ? 'train' : 'val';
  const evalPairs = subsetPairs(evalSet, maxEvalPairs, seed);

  const params: AdapterParams<Float32Array> = {
    wImage: trainImage ? new Float32Array(d * d) : null,
    wText: trainText ? new Float32Array(d * d) : null,
    logScale: Math.log(Math.min(MAX_LOGIT_SCALE, Math.max(1, initialLogitScale))),
  };
  const adam = {
    image: trainImage ? { m: new Float32Array(d * d), v: new Float32Array(d * d) } : null,
    text: trainText ? { m: new Float32Array(d * d), v: new Float32Array(d * d) } : null,
    scale: { m: 0, v: 0 },
    step: 0,
  };
  const imageKeys = duplicateKeys(train.image);
  const textKeys = duplicateKeys(train.text);

  const snapshot = (a: number): Adapter => ({
    format: ADAPTER_FORMAT,
    formatVersion: ADAPTER_FORMAT_VERSION,
    modelId,
    dim: d,
    createdAt: new Date().toISOString(),
    image: params.wImage ? params.wImage.slice() : null,
    text: params.wText ? params.wText.slice() : null,
    logitScale: Math.exp(params.logScale),
    alpha: a,
  });
  const evaluate = (adapter: Adapter) =>
    recallFromEmbeddings(
      applyAdapter(adapter, evalPairs.text, 'text'),
      applyAdapter(adapter, evalPairs.image, 'image'),
    );

  let best = snapshot(1);
  const before = evaluate(best);
  let bestScore = before.mean;
  let bestEpoch = 0;
  let sinceBest = 0;
  let stoppedEarly = false;
  const history: EpochRecord[] = [];

  // Batches: a short last batch is merged into the one before it (a batch of 1 has no negatives).
  const order = Int32Array.from({ length: n }, (_, i) => i);
  // A catalog of 10 captions is one batch: an epoch of one step would teach nothing before early
  // stopping ends the run. Small sets therefore make several shuffled passes per epoch, so that every
  // epoch is at least minStepsPerEpoch optimizer steps; large sets are unaffected.
  const stepsPerPass = Math.max(1, Math.floor(n / batchSize));
  const stepsPerEpoch = stepsPerPass * Math.max(1, Math.ceil(minStepsPerEpoch / stepsPerPass));
  const xImage = new Float32Array((batchSize * 2 - 1) * d);
  const xText = new Float32Array((batchSize * 2 - 1) * d);
  const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));
  await yieldToLoop();
  signal?.throwIfAborted();

  for (let epoch = 1; epoch <= epochs; epoch++) {
    const epochStart = performance.now();
    let lossSum = 0;
    let lastReport = performance.now();
    for (let step = 0; step < stepsPerEpoch; step++) {
      const inPass = step % stepsPerPass;
      if (inPass === 0) shuffle(order, rng);
      const start = inPass * batchSize;
      const end = inPass === stepsPerPass - 1 ? n : start + batchSize;
      const b = end - start;
      const idx = order.subarray(start, end);
      const xi = gatherRows(train.image, idx, d, xImage.subarray(0, b * d));
      const xt = gatherRows(train.text, idx, d, xText.subarray(0, b * d));
      const result = contrastiveLoss(params, xi, xt, b, d, positivesMask(idx, imageKeys, textKeys));
      lossSum += result.loss;
      adam.step++;
      const t = adam.step;
      const c1 = 1 - ADAM_BETA1 ** t;
      const c2 = 1 - ADAM_BETA2 ** t;
      if (params.wImage && result.gradImage)
        adamW(params.wImage, result.gradImage, adam.image!, lr, weightDecay, c1, c2);
      if (params.wText && result.gradText)
        adamW(params.wText, result.gradText, adam.text!, lr, weightDecay, c1, c2);
      const g = result.gradLogScale;
      adam.scale.m = ADAM_BETA1 * adam.scale.m + (1 - ADAM_BETA1) * g;
      adam.scale.v = ADAM_BETA2 * adam.scale.v + (1 - ADAM_BETA2) * g * g;
      params.logScale -= (lr * (adam.scale.m / c1)) / (Math.sqrt(adam.scale.v / c2) + ADAM_EPS);
      params.logScale = Math.min(Math.log(MAX_LOGIT_SCALE), Math.max(0, params.logScale));

      if (onProgress && performance.now() - lastReport > 500) {
        lastReport = performance.now();
        onProgress({
          kind: 'batch',
          epoch,
          epochs,
          step: step + 1,
          stepsPerEpoch,
          loss: lossSum / (step + 1),
          logitScale: Math.exp(params.logScale),
        });
      }
      await yieldToLoop();
      signal?.throwIfAborted();
    }

    const current = snapshot(1);
    const recall = evaluate(current);
    const record: EpochRecord = {
      epoch,
      loss: lossSum / stepsPerEpoch,
      logitScale: current.logitScale,
      recall,
      seconds: (performance.now() - epochStart) / 1000,
    };
    history.push(record);
    onProgress?.({
      kind: 'epoch',
      epoch,
      epochs,
      step: stepsPerEpoch,
      stepsPerEpoch,
      loss: record.loss,
      logitScale: record.logitScale,
      recall,
    });
    if (recall.mean > bestScore) {
      bestScore = recall.mean;
      best = current;
      bestEpoch = epoch;
      sinceBest = 0;
    } else {
      // A tie with a trained epoch goes to the one that fits the training pairs better: a small held-out
      // set often reaches its best recall epochs before the adapter has learned enough to generalize,
      // and keeping the first such epoch would keep an under-trained adapter. A tie with the zero-shot
      // model (epoch 0) keeps the zero-shot model. A tie is not an improvement for patience.
      if (recall.mean === bestScore && bestEpoch > 0 && record.loss < history[bestEpoch - 1]!.loss) {
        best = current;
        bestEpoch = epoch;
      }
      if (patience > 0 && ++sinceBest >= patience) {
        stoppedEarly = epoch < epochs;
        break;
      }
    }
    await yieldToLoop();
    signal?.throwIfAborted();
  }

  const adapter: Adapter = { ...best, alpha };
  const after = alpha === 1 && bestEpoch > 0 ? history[bestEpoch - 1]!.recall : evaluate(adapter);
  adapter.metrics = {
    trainPairs: n,
    valPairs: val?.image.length ?? 0,
    epochs: history.length,
    bestEpoch,
    before,
    after,
    evaluatedOn,
    measuredPairs: evalPairs.image.length,
    seconds: (performance.now() - started) / 1000,
  };
  return { adapter, history, before, after, bestEpoch, stoppedEarly };
}

function adamW(
  w: Float32Array,
  grad: Float32Array,
  state: { m: Float32Array; v: Float32Array },
  lr: number,
  weightDecay: number,
  c1: number,
  c2: number,
): void {
  const { m, v } = state;
  const decay = 1 - lr * weightDecay;
  const a = lr / c1;
  const ic2 = 1 / c2;
  for (let i = 0; i < w.length; i++) {
    const g = grad[i]!;
    const mi = ADAM_BETA1 * m[i]! + (1 - ADAM_BETA1) * g;
    const vi = ADAM_BETA2 * v[i]! + (1 - ADAM_BETA2) * g * g;
    m[i] = mi;
    v[i] = vi;
    w[i] = w[i]! * decay - (a * mi) / (Math.sqrt(vi * ic2) + ADAM_EPS);
  }
}

function validatePairs(pairs: TrainingPairs, what: string): number {
  const { image, text } = pairs;
  if (image.length !== text.length) {
    throw new Error(`${what} pairs: ${image.length} image embeddings but ${text.length} text embeddings`);
  }
  if (image.length === 0) throw new Error(`no ${what} pairs`);
  const d = image[0]!.length;
  if (d === 0) throw new Error(`${what} embeddings are empty`);
  for (let i = 0; i < image.length; i++) {
    for (const [side, v] of [
      ['image', image[i]!],
      ['text', text[i]!],
    ] as const) {
      if (v.length !== d)
        throw new Error(`${what} pair ${i}: ${side} embedding has ${v.length} dimensions, expected ${d}`);
      let s = 0;
      for (let j = 0; j < d; j++) s += v[j]! * v[j]!;
      if (!Number.isFinite(s) || s === 0)
        throw new Error(`${what} pair ${i}: ${side} embedding is zero or not finite`);
    }
  }
  return d;
}

function subsetPairs(pairs: TrainingPairs, max: number, seed: number): TrainingPairs {
  const n = pairs.image.length;
  if (n <= max) return pairs;
  const idx = Int32Array.from({ length: n }, (_, i) => i);
  shuffle(idx, createRng(seed ^ 0x5eed));
  const pick = Array.from(idx.subarray(0, max)).sort((a, b) => a - b);
  return { image: pick.map((i) => pairs.image[i]!), text: pick.map((i) => pairs.text[i]!) };
}

/**
 * Equal vectors share a key: the same photo captioned twice, or the same caption on two photos. Returns
 * null when every vector is distinct, so batches skip the positives mask entirely.
 */
function duplicateKeys(vectors: readonly Float32Array[]): Int32Array | null {
  const ids = new Map<string, number>();
  const keys = new Int32Array(vectors.length);
  vectors.forEach((v, i) => {
    const h = createHash('sha1')
      .update(new Uint8Array(v.buffer, v.byteOffset, v.byteLength))
      .digest('base64');
    let id = ids.get(h);
    if (id === undefined) ids.set(h, (id = ids.size));
    keys[i] = id;
  });
  return ids.size === vectors.length ? null : keys;
}

function positivesMask(
  idx: Int32Array,
  imageKeys: Int32Array | null,
  textKeys: Int32Array | null,
): Uint8Array | null {
  if (!imageKeys && !textKeys) return null;
  const b = idx.length;
  const mask = new Uint8Array(b * b);
  let extra = false;
  for (let r = 0; r < b; r++) {
    for (let c = 0; c < b; c++) {
      const pr = idx[r]!;
      const pc = idx[c]!;
      const pos =
        r === c ||
        (imageKeys && imageKeys[pr] === imageKeys[pc]) ||
        (textKeys && textKeys[pr] === textKeys[pc]);
      if (pos) {
        mask[r * b + c] = 1;
        if (r !== c) extra = true;
      }
    }
  }
  return extra ? mask : null;
}
