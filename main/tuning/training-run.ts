import { UserError } from '../errors.js';
import { requireAdapters } from './adapter-choice.js';
import type { Pair } from './pairs-store.js';
import { MIN_PAIRS, type RecallReport } from './recall.js';
import { runTrainingInWorker } from './train-in-worker.js';
import type { EpochRecord, TrainingPairs, TrainProgress } from './train.js';
import type { TuningContext } from './tuning-context.js';

// A training run over the stored pairs: their photos' vectors come from the library and the datasets'
// tables (see dataset-pictures.ts; nothing stored is re-encoded), their captions from the text cache; trainAdapter runs in a worker thread, and the result
// is saved as the next adapter version, made the one in use when asked.

export type TunePhase = 'preparing' | 'training' | 'saving';

export interface TuneProgress {
  phase: TunePhase;
  epoch: number;
  epochs: number;
  step: number;
  stepsPerEpoch: number;
  /** Mean training loss of the epoch so far; null before the first batch. */
  loss: number | null;
  /** After each epoch: recall on the held-out pairs. */
  recall?: RecallReport;
  message?: string;
}

export interface TuneOptions {
  epochs?: number;
  lr?: number;
  batchSize?: number;
  weightDecay?: number;
  patience?: number;
  seed?: number;
  /** WiSE-FT alpha stored with the adapter (0 = zero-shot … 1 = fine-tuned). Default 1. */
  alpha?: number;
  /** Train the image side too (default true); false keeps search's image side exactly the raw index. */
  trainImage?: boolean;
  trainText?: boolean;
  /** Make the new version the one in use. Default false. */
  activate?: boolean;
  onProgress?: (p: TuneProgress) => void;
  signal?: AbortSignal;
}

export interface TuneResult {
  version: number;
  activated: boolean;
  before: RecallReport;
  after: RecallReport;
  /** 'val': held-out pairs; 'train': there were too few held-out pairs to measure on. */
  evaluatedOn: 'val' | 'train';
  trainPairs: number;
  /** Held-out pairs used for recall (one per distinct text and photo). */
  valPairs: number;
  /** Pairs left out because their photo has no vector yet (still being indexed, or failed). */
  notIndexed: number;
  bestEpoch: number;
  stoppedEarly: boolean;
  history: EpochRecord[];
  seconds: number;
}

export interface TrainingRuns {
  /** Trains a new adapter version on the stored pairs; one run at a time. */
  train(options?: TuneOptions): Promise<TuneResult>;
  readonly running: boolean;
}

export function createTrainingRuns(ctx: TuningContext): TrainingRuns {
  let running = false;

  /** Training and held-out sets from the stored pairs, with their vectors. */
  async function gather(): Promise<{ train: TrainingPairs; val: TrainingPairs; notIndexed: number }> {
    const all = await ctx.pairs.list();
    const vectors = await ctx.vectors.vectorsFor(all.map((p) => p.contentId));
    const usable = all.filter((p) => vectors.has(p.contentId));
    const trainPairs = usable.filter((p) => p.split === 'train');
    // Recall over 1:1 pairs needs distinct texts and distinct photos: with "a red dress" on three photos,
    // only one of them would count as right and the score would say nothing. Keep one pair per text and
    // per photo (by pair id, so the choice is stable); the rest of the held-out pairs are not used at all.
    const seenText = new Set<string>();
    const seenPhoto = new Set<string>();
    const valPairs = usable
      .filter((p) => p.split === 'val')
      .sort((a, b) => a.id.localeCompare(b.id))
      .filter((p) => {
        if (seenText.has(p.text) || seenPhoto.has(p.contentId)) return false;
        seenText.add(p.text);
        seenPhoto.add(p.contentId);
        return true;
      });
    const cache = await ctx.textCache();
    const build = async (list: Pair[]): Promise<TrainingPairs> => ({
      image: list.map((p) => vectors.get(p.contentId)!),
      text: await cache.embed(list.map((p) => p.text)),
    });
    return {
      train: await build(trainPairs),
      val: await build(valPairs),
      notIndexed: all.length - usable.length,
    };
  }

  async function train(opts: TuneOptions = {}): Promise<TuneResult> {
    const store = requireAdapters(ctx);
    if (running) throw new UserError('training is already running', 'training-running');
    running = true;
    const started = performance.now();
    try {
      const epochs = opts.epochs ?? 20;
      const report = (p: Partial<TuneProgress> & { phase: TunePhase }) =>
        opts.onProgress?.({ epoch: 0, epochs, step: 0, stepsPerEpoch: 0, loss: null, ...p });
      report({ phase: 'preparing', message: 'gathering pairs and embedding captions' });
      const { train: trainSet, val, notIndexed } = await gather();
      if (trainSet.image.length < MIN_PAIRS) {
        throw new UserError(
          notIndexed > 0
            ? `fine-tuning needs at least ${MIN_PAIRS} training pairs with indexed photos; ${notIndexed} pairs are waiting for their photos to be indexed`
            : `fine-tuning needs at least ${MIN_PAIRS} training pairs: add captions with \`lookbook pairs add\` or import a dataset`,
          'not-enough-pairs',
        );
      }
      // Too few held-out pairs cannot rank anything: measure on (deduplicated) training pairs instead.
      const heldOut = val.image.length >= MIN_PAIRS;
      const evalSet = heldOut ? val : distinctPairs(trainSet);
      const n = trainSet.image.length;
      // Small sets get smaller batches, so an epoch is several steps rather than one.
      const batchSize = opts.batchSize ?? Math.min(256, Math.max(8, Math.ceil(n / 4)));
      const result = await runTrainingInWorker({
        train: trainSet,
        val: evalSet,
        modelId: ctx.modelId,
        epochs,
        batchSize,
        ...(opts.lr !== undefined ? { lr: opts.lr } : {}),
        ...(opts.weightDecay !== undefined ? { weightDecay: opts.weightDecay } : {}),
        ...(opts.patience !== undefined ? { patience: opts.patience } : {}),
        ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
        ...(opts.alpha !== undefined ? { alpha: opts.alpha } : {}),
        ...(opts.trainImage !== undefined ? { trainImage: opts.trainImage } : {}),
        ...(opts.trainText !== undefined ? { trainText: opts.trainText } : {}),
        ...(opts.signal ? { signal: opts.signal } : {}),
        onProgress: (p: TrainProgress) =>
          report({
            phase: 'training',
            epoch: p.epoch,
            epochs: p.epochs,
            step: p.step,
            stepsPerEpoch: p.stepsPerEpoch,
            loss: p.loss,
            ...(p.recall ? { recall: p.recall } : {}),
          }),
      });
      report({ phase: 'saving', epoch: result.history.length });
      const adapter = result.adapter;
      if (adapter.metrics) {
        adapter.metrics.valPairs = heldOut ? val.image.length : 0;
        adapter.metrics.evaluatedOn = heldOut ? 'val' : 'train';
      }
      const version = await store.save(adapter, { activate: opts.activate ?? false });
      // Search and tagging share this source: they apply the new version from their next query or run.
      if (opts.activate) await ctx.active.reload();
      return {
        version,
        activated: opts.activate ?? false,
        before: result.before,
        after: result.after,
        evaluatedOn: heldOut ? 'val' : 'train',
        trainPairs: n,
        valPairs: heldOut ? val.image.length : 0,
        notIndexed,
        bestEpoch: result.bestEpoch,
        stoppedEarly: result.stoppedEarly,
        history: result.history,
        seconds: (performance.now() - started) / 1000,
      };
    } finally {
      running = false;
    }
  }

  return {
    train,
    get running() {
      return running;
    },
  };
}

/** One pair per distinct text and per distinct image (first wins): a well-defined 1:1 recall set. */
function distinctPairs(set: TrainingPairs): TrainingPairs {
  const key = (v: Float32Array) => Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
  const seenI = new Set<string>();
  const seenT = new Set<string>();
  const out: TrainingPairs = { image: [], text: [] };
  set.image.forEach((img, i) => {
    const ki = key(img);
    const kt = key(set.text[i]!);
    if (seenI.has(ki) || seenT.has(kt)) return;
    seenI.add(ki);
    seenT.add(kt);
    out.image.push(img);
    out.text.push(set.text[i]!);
  });
  return out;
}
