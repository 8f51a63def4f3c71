import type { VectorTransform } from '../library/types.js';
import type { Adapter } from './adapter.js';
import { createAdapterStore } from './adapter-store.js';
import { vectorTransformFromAdapter } from './adapter-transform.js';

// The one reader of "which adapter is in use" for a model. Search applies its transform to queries and
// stored vectors, tagging maps label embeddings and vectors through it, and fine-tuning reloads it after
// training, activation or rollback; the composition root (main/core) hands the same instance to all
// three, so they can never disagree about the adapter in force.

/** The adapter in use for one model. */
export interface ActiveAdapter {
  /** `v<N>@<alpha>`: goes into tagging's cache keys and onto each auto tag. */
  version: string;
  adapter: Adapter;
  /** The adapter as search applies it (sides the adapter leaves untouched are absent). */
  transform: VectorTransform;
}

export interface ActiveAdapterSource {
  readonly modelId: string;
  /** The adapter in use, or undefined for the zero-shot model. */
  current(): ActiveAdapter | undefined;
  /**
   * Re-reads the choice on disk (after training, activate or rollback, and before each tagging run, since
   * another process may have changed it) and tells the listeners when it changed. Throws when the
   * adapter in use cannot be read: search and tagging then run zero-shot.
   */
  reload(): Promise<void>;
  onChange(listener: () => void): () => void;
}

/** The active adapter of a model as stored under the data directory; undefined when there is none. */
export async function readActiveAdapter(
  dataDir: string,
  modelId: string,
): Promise<ActiveAdapter | undefined> {
  let store;
  try {
    store = createAdapterStore(dataDir, modelId);
  } catch {
    // A model id that cannot name an adapters folder has no adapters.
    return undefined;
  }
  const active = await store.active();
  if (!active || active.adapter.modelId !== modelId) return undefined;
  return {
    version: `v${active.version}@${active.adapter.alpha}`,
    adapter: active.adapter,
    transform: vectorTransformFromAdapter(active.adapter),
  };
}

/**
 * The active adapter of `modelId`, loaded now. A damaged adapter file must not keep the library from
 * opening: `onLoadError` hears about it and search and tagging run zero-shot until the next reload.
 */
export async function openActiveAdapter(
  dataDir: string,
  modelId: string,
  onLoadError: (e: unknown) => void = () => undefined,
): Promise<ActiveAdapterSource> {
  let current: ActiveAdapter | undefined;
  const listeners = new Set<() => void>();
  const source: ActiveAdapterSource = {
    modelId,
    current: () => current,
    async reload() {
      const before = current?.version;
      let failure: unknown;
      try {
        current = await readActiveAdapter(dataDir, modelId);
      } catch (e) {
        current = undefined;
        failure = e;
      }
      // Versions never change once written (the alpha in use is part of the name): the same name is
      // the same adapter, and search need not refresh what it caches.
      if (current?.version !== before) for (const l of listeners) l();
      if (failure !== undefined) {
        onLoadError(failure);
        throw failure;
      }
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  // onLoadError has heard about a damaged file; the library opens all the same.
  await source.reload().catch(() => undefined);
  return source;
}
