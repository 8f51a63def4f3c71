import type { IndexingProgress, IndexStats } from './types.js';
import { emptyIndexStats, emptyProgress } from './types.js';

// What the library tells about its indexing: the progress of the run in hand (to listeners and to
// status), the last run's counters and the counters summed since the library was opened.

export interface RunState {
  progress(): IndexingProgress;
  emitProgress(p: IndexingProgress): void;
  /** The current progress with a message for the user (it keeps the phase). */
  notify(message: string): void;
  onProgress(listener: (p: IndexingProgress) => void): () => void;
  /** Records a finished run (full index or a watched batch). */
  finished(result: IndexStats): void;
  lastStats(): IndexStats | undefined;
  totalStats(): IndexStats;
}

export function createRunState(): RunState {
  const listeners = new Set<(p: IndexingProgress) => void>();
  let progress = emptyProgress();
  let last: IndexStats | undefined;
  const totals = emptyIndexStats();
  const state: RunState = {
    progress: () => progress,
    emitProgress(p) {
      progress = p;
      for (const l of listeners) {
        try {
          l(p);
        } catch {
          // A listener's bug must not stop indexing.
        }
      }
    },
    notify: (message) => state.emitProgress({ ...progress, message }),
    onProgress(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    finished(result) {
      last = result;
      for (const k of Object.keys(totals) as (keyof IndexStats)[]) {
        if (k !== 'imagesPerSecond' && k !== 'modelImagesPerSecond') totals[k] += result[k];
      }
      totals.imagesPerSecond = totals.seconds > 0 ? totals.seen / totals.seconds : 0;
      totals.modelImagesPerSecond = totals.modelSeconds > 0 ? totals.encoded / totals.modelSeconds : 0;
      state.emitProgress({ ...progress, phase: 'done', removed: result.removed });
    },
    lastStats: () => last,
    totalStats: () => ({ ...totals }),
  };
  return state;
}
