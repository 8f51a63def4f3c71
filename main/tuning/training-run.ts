import { UserError } from '../errors.js';
import { requireAdapters } from './adapter-choice.js';
import { pairSets, type Pair } from './pairs-store.js';
import {
  describeRecall,
  MIN_PAIRS,
  onePerTextAndPhoto,
  vectorKey,
  type RecallBasis,
  type RecallReport,
} from './recall.js';
import { runTrainingInWorker } from './train-in-worker.js';
import { MAX_EVAL_PAIRS, type EpochRecord, type TrainingPairs, type TrainProgress } from './train.js';
import type { TuningContext } from './tuning-context.js';

// A training run over the stored pairs: their photos' vectors come from the library and the datasets'
// tables (see dataset-pictures.ts; nothing stored is re-encoded), their captions from the text cache; trainAdapter runs in a worker thread, and the result
// is saved as the next adapter version, made the one in use when asked.

/**
 * The one rule for putting a new adapter to use, the same in the CLI and the app: it is put to use when
 * it measured better than the model without an adapter, on the same pairs (mean recall, both directions);
 * otherwise it is saved and can be put to use by hand. Rolling back is instant either way.
 */
export const ACTIVATION_RULE =
  'A new adapter is put to use when it measures better than the model without one; otherwise it is saved, not used.';

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
  /** What `recall` is measured on (from the training phase on). */
  basis?: RecallBasis;
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
  /**
   * Whether the new version is put to use: 'if-better' (the default, ACTIVATION_RULE), true (always) or
   * false (never: saved for `adapters use`).
   */
  activate?: boolean | 'if-better';
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
  /** The pairs `before` and `after` were measured on: the held-out ones, or the distinct training ones. */
  measuredPairs: number;
  /** Why the new version is in use or not, in the words of ACTIVATION_RULE. */
  activationNote: string;
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

  /** Training and held-out sets from the stored pairs (pairSets, as every count shows), with their vectors. */
  async function gather(): Promise<{ train: TrainingPairs; val: TrainingPairs; notIndexed: number }> {
    const all = await ctx.pairs.list();
    const vectors = await ctx.vectors.vectorsFor(all.map((p) => p.contentId));
    const sets = pairSets(all);
    const trainPairs = sets.train.filter((p) => vectors.has(p.contentId));
    const valPairs = sets.measured.filter((p) => vectors.has(p.contentId));
    const cache = await ctx.textCache();
    const build = async (list: Pair[]): Promise<TrainingPairs> => ({
      image: list.map((p) => vectors.get(p.contentId)!),
      text: await cache.embed(list.map((p) => p.text)),
    });
    return {
      train: await build(trainPairs),
      val: await build(valPairs),
      notIndexed: all.filter((p) => !vectors.has(p.contentId)).length,
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
      const basis: RecallBasis = {
        pairs: Math.min(evalSet.image.length, MAX_EVAL_PAIRS),
        on: heldOut ? 'held-out' : 'training',
      };
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
            basis,
            ...(p.recall ? { recall: p.recall } : {}),
          }),
      });
      report({ phase: 'saving', epoch: result.history.length });
      const adapter = result.adapter;
      if (adapter.metrics) {
        adapter.metrics.valPairs = heldOut ? val.image.length : 0;
        adapter.metrics.evaluatedOn = heldOut ? 'val' : 'train';
      }
      const measuredPairs = basis.pairs;
      const better = result.after.mean > result.before.mean;
      const rule = opts.activate ?? 'if-better';
      const activate = rule === 'if-better' ? better : rule;
      const version = await store.save(adapter, { activate });
      // Search and tagging share this source: they apply the new version from their next query or run.
      if (activate) await ctx.active.reload();
      const r1 = { before: result.before.textToImage[1] ?? 0, after: result.after.textToImage[1] ?? 0 };
      const measured = describeRecall(r1, basis);
      const activationNote =
        rule !== 'if-better'
          ? activate
            ? `v${version} is in use (asked for). ${measured}.`
            : `v${version} is saved, not in use (asked for). ${measured}.`
          : activate
            ? `v${version} is in use: it measured better than without it. ${measured}.`
            : `v${version} is saved but not in use: it did not measure better than without it. ${measured}.`;
      return {
        version,
        activated: activate,
        measuredPairs,
        activationNote,
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
  const indices = onePerTextAndPhoto(
    set.image.map((_, i) => i),
    (i) => vectorKey(set.text[i]!),
    (i) => vectorKey(set.image[i]!),
  );
  return { image: indices.map((i) => set.image[i]!), text: indices.map((i) => set.text[i]!) };
}
