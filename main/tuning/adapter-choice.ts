import { UserError, describeError } from '../errors.js';
import { applyAdapter, type Adapter } from '../adapters/adapter.js';
import type { AdapterStore } from '../adapters/adapter-store.js';
import type { TuningContext } from './tuning-context.js';

// Evaluation, feature export and activation name an adapter: the one in use, a saved version, or none.
// "In use" is read from the shared ActiveAdapterSource (what search and tagging apply), never from the
// adapter store behind it, so a report can only describe the adapter search really uses.

/** Which adapter to evaluate or export with: the one in use, a version, or none (zero-shot). */
export type AdapterChoice = 'active' | 'none' | number;

export interface ChosenAdapter {
  /** 'none' or 'v3'. */
  name: string;
  adapter: Adapter | null;
}

const NONE: ChosenAdapter = { name: 'none', adapter: null };

/** The model's adapter store, or a clear error for a model that cannot have adapters. */
export function requireAdapters(ctx: TuningContext): AdapterStore {
  if (!ctx.adapters)
    throw new UserError(`fine-tuning is not available for the model "${ctx.modelId}"`, 'tuning-unavailable');
  return ctx.adapters;
}

/** The adapter a choice names, checked against the library's model. */
export async function chooseAdapter(ctx: TuningContext, choice: AdapterChoice): Promise<ChosenAdapter> {
  if (choice === 'none') return NONE;
  const store = requireAdapters(ctx);
  let chosen: ChosenAdapter;
  if (choice === 'active') {
    const active = ctx.active.current();
    // Its version reads `v<N>@<alpha>`; reports name the version and give the alpha beside it.
    chosen = active ? { name: active.version.split('@')[0]!, adapter: active.adapter } : NONE;
  } else {
    try {
      chosen = { name: `v${choice}`, adapter: await store.load(choice) };
    } catch (e) {
      throw new UserError(describeError(e), 'adapter-not-found');
    }
  }
  const { adapter } = chosen;
  if (adapter && (adapter.modelId !== ctx.modelId || adapter.dim !== ctx.engine.model.embedDim)) {
    throw new UserError(
      `that adapter was trained for ${adapter.modelId} (${adapter.dim} dimensions), not ${ctx.modelId}`,
      'adapter-mismatch',
    );
  }
  return chosen;
}

/** Vectors through one side of an adapter; unchanged without one. */
export function throughAdapter(
  adapter: Adapter | null,
  vectors: Float32Array[],
  side: 'image' | 'text',
): Float32Array[] {
  return adapter ? applyAdapter(adapter, vectors, side) : vectors;
}
