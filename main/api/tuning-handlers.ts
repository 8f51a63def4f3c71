// The API's fine-tuning requests, over main/tuning/'s TuningService: captions become pairs, training
// runs in a worker thread with progress events, and adapters are listed, applied and rolled back (the
// service reloads the adapter source it shares with tagging; search follows at once).
import { randomUUID } from 'node:crypto';
import { UserError, describeError } from '../errors.js';
import { adapterName } from '../adapters/adapter-store.js';
import { countPairs, describePairCounts } from '../tuning/pairs-store.js';
import {
  describeBasis,
  describeRecall,
  metricsBasis,
  MIN_PAIRS,
  type RecallBasis,
  type RecallReport,
} from '../tuning/recall.js';
import { ACTIVATION_RULE, type TuneProgress } from '../tuning/training-run.js';
import type { AreaContext } from './tagging-handlers.js';
import type { AdapterView, ApiHandlers, PairsOverview, RecallAtK, TrainingProgress } from './types.js';

type TuningMethods =
  | 'pairs.overview'
  | 'pairs.add'
  | 'pairs.addMany'
  | 'pairs.remove'
  | 'training.start'
  | 'training.cancel'
  | 'adapters.list'
  | 'adapters.activate'
  | 'adapters.rollback';

export interface TuningArea {
  handlers: Pick<ApiHandlers, TuningMethods>;
  captionsOf(contentId: string): Promise<string[]>;
  close(): Promise<void>;
}

/** The core's sentence for a before/after pair of reports (describeRecall), as the CLI prints it. */
function recallNoteOf(before: RecallReport, after: RecallReport, basis: RecallBasis): string {
  return describeRecall({ before: before.textToImage[1] ?? 0, after: after.textToImage[1] ?? 0 }, basis);
}

function recallView(r: RecallReport | undefined): RecallAtK | null {
  if (!r) return null;
  const t = r.textToImage;
  return { r1: t[1] ?? 0, r5: t[5] ?? 0, r10: t[10] ?? 0 };
}

const PHASES: Record<TuneProgress['phase'], TrainingProgress['phase']> = {
  preparing: 'preparing',
  training: 'training',
  saving: 'evaluating',
};

export async function createTuningArea(ctx: AreaContext): Promise<TuningArea> {
  const { core, hub, log } = ctx;
  const service = await ctx.core.tuning();

  const overview = async (): Promise<PairsOverview> => {
    const all = await service.listPairs();
    const counts = countPairs(all);
    const recent = [...all].sort((a, b) => b.createdAt - a.createdAt).slice(0, 50);
    return {
      total: counts.total,
      photos: counts.photos,
      train: counts.train,
      measured: counts.measured,
      summary: describePairCounts(counts),
      activationRule: ACTIVATION_RULE,
      recent: recent.map((p) => ({
        id: p.id,
        photoId: p.contentId,
        contentId: p.contentId,
        text: p.text,
        createdAt: new Date(p.createdAt).toISOString(),
      })),
      minimumForTraining: MIN_PAIRS,
    };
  };

  const listAdapters = async (): Promise<AdapterView[]> => {
    if (!service.adapters) return [];
    const versions = await service.listAdapters();
    return versions
      .map((v) => ({
        id: `v${v.version}`,
        name: adapterName(v.version, v.createdAt),
        createdAt: v.createdAt,
        pairs: v.metrics?.trainPairs ?? 0,
        epochs: v.metrics?.epochs ?? 0,
        before: recallView(v.metrics?.before),
        after: recallView(v.metrics?.after),
        recallNote: v.metrics
          ? recallNoteOf(v.metrics.before, v.metrics.after, metricsBasis(v.metrics))
          : null,
        active: v.active,
      }))
      .reverse();
  };

  const parseVersion = (id: string): number => {
    const m = /^v([1-9][0-9]*)$/.exec(id);
    if (!m) throw new UserError(`There is no adapter “${id}”.`, 'adapter-not-found');
    return Number(m[1]);
  };

  const searchChanged = async () =>
    hub.emit('libraryChanged', { photoCount: (await core.status()).photoCount });

  let current: { runId: string; abort: AbortController; done: Promise<unknown> } | undefined;

  async function train(runId: string, epochs: number, signal: AbortSignal): Promise<void> {
    let last: TrainingProgress = { runId, phase: 'preparing', epoch: 0, epochs, loss: null, valRecall: null };
    hub.emit('trainingProgress', last);
    const result = await service.train({
      epochs,
      signal,
      onProgress: (p) => {
        last = {
          runId,
          phase: PHASES[p.phase],
          epoch: p.epoch,
          epochs: p.epochs,
          loss: p.loss ?? last.loss,
          valRecall: p.recall ? (p.recall.textToImage[1] ?? null) : last.valRecall,
          ...(p.basis || last.measuredOn
            ? { measuredOn: p.basis ? describeBasis(p.basis) : last.measuredOn }
            : {}),
          ...(p.recall ? { epochEnd: true } : {}),
        };
        hub.emit('trainingProgress', last);
      },
    });
    // The one rule may have put it to use: search follows at once.
    if (result.activated) await searchChanged();
    const basis: RecallBasis = {
      pairs: result.measuredPairs,
      on: result.evaluatedOn === 'val' ? 'held-out' : 'training',
    };
    const notes = [
      result.activationNote,
      result.stoppedEarly
        ? `Stopped after epoch ${result.history.length}: validation recall stopped improving (best: epoch ${result.bestEpoch}).`
        : '',
      result.evaluatedOn === 'train'
        ? 'Too few captions were held out, so recall is measured on the training captions.'
        : '',
      result.notIndexed > 0
        ? `${result.notIndexed} captions were left out: their photos are still being indexed.`
        : '',
    ].filter(Boolean);
    hub.emit('trainingProgress', {
      ...last,
      phase: 'done',
      epoch: Math.max(last.epoch, result.history.length),
      before: recallView(result.before)!,
      after: recallView(result.after)!,
      recallNote: recallNoteOf(result.before, result.after, basis),
      adapterId: `v${result.version}`,
      activated: result.activated,
      ...(notes.length ? { message: notes.join(' ') } : {}),
    });
  }

  return {
    async captionsOf(contentId) {
      const list = await service.listPairs({ contentId, source: 'caption' });
      return list.sort((a, b) => a.createdAt - b.createdAt).map((p) => p.text);
    },
    handlers: {
      'pairs.overview': overview,
      'pairs.add': async ({ photoId, text }) => {
        await service.addCaption(photoId, text);
        return overview();
      },
      'pairs.addMany': async ({ photoIds, text }) => {
        await service.addCaptionMany(photoIds, text);
        return overview();
      },
      'pairs.remove': async ({ id }) => {
        await service.removePairs([id]);
        return overview();
      },
      'training.start': async ({ epochs }) => {
        if (current || service.training)
          throw new UserError('Training is already running.', 'training-running');
        if (!service.adapters) {
          throw new UserError(
            `Fine-tuning is not available for the model “${core.engine.model.id}”.`,
            'tuning-unavailable',
          );
        }
        const { train: toTrainOn } = await service.counts();
        if (toTrainOn < MIN_PAIRS) {
          throw new UserError(
            `Fine-tuning needs at least ${MIN_PAIRS} pairs to train on; you have ${toTrainOn}. Caption a few more photos in the photo view.`,
            'not-enough-pairs',
          );
        }
        const runId = randomUUID();
        const abort = new AbortController();
        const n = epochs ?? 20;
        const done = train(runId, n, abort.signal)
          .catch((e) => {
            const cancelled = abort.signal.aborted;
            if (!cancelled) log('training failed', e);
            hub.emit('trainingProgress', {
              runId,
              phase: cancelled ? 'cancelled' : 'error',
              epoch: 0,
              epochs: n,
              loss: null,
              valRecall: null,
              message: cancelled
                ? 'Training cancelled; nothing changed.'
                : `Training failed: ${describeError(e)}`,
            });
          })
          .finally(() => {
            current = undefined;
          });
        current = { runId, abort, done };
        return { runId };
      },
      'training.cancel': async ({ runId }) => {
        if (!current || current.runId !== runId) return { cancelled: false };
        current.abort.abort(new Error('cancelled'));
        await current.done;
        return { cancelled: true };
      },
      'adapters.list': listAdapters,
      'adapters.activate': async ({ id }) => {
        await service.activate(parseVersion(id));
        await searchChanged();
        return listAdapters();
      },
      'adapters.rollback': async () => {
        await service.rollback();
        await searchChanged();
        return listAdapters();
      },
    },
    async close() {
      current?.abort.abort(new Error('closing'));
      await current?.done;
    },
  };
}
