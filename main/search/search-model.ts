import type { ClipEngine } from '../engine/types.js';
import { readSettings } from '../host/settings.js';
import type { LibraryStore } from '../store/library-store.js';

// Which model's vectors a search uses. Normally the active model's; but right after switching models
// its vectors are incomplete while indexing fills them, and a search would miss most photos. Meanwhile
// search uses a model whose vectors cover the library, if there is one, with an engine of its own.

export interface SearchModel {
  key: string;
  engine: ClipEngine;
}

export interface SearchModelChooser {
  choose(): Promise<SearchModel>;
  /** Closes the engines opened for other models. */
  close(): Promise<void>;
}

export function createSearchModelChooser(deps: {
  dataDir: string;
  store: LibraryStore;
  /** The active model's engine. */
  engine: ClipEngine;
  /** An engine for another model, by the spec that produced its vectors (settings.libraryModels). */
  engineFor(spec: string): Promise<ClipEngine>;
}): SearchModelChooser {
  const { store, engine } = deps;
  const activeKey = engine.model.id;
  const otherEngines = new Map<string, Promise<ClipEngine>>();
  return {
    async choose() {
      const total = await store.countContents();
      const mine = await store.countVectors(activeKey);
      if (mine >= total) return { key: activeKey, engine };
      const specs = readSettings(deps.dataDir).libraryModels ?? {};
      let best: { key: string; count: number } | undefined;
      for (const key of Object.keys(specs)) {
        if (key === activeKey) continue;
        const count = await store.countVectors(key);
        if (count > mine && count >= total && (!best || count > best.count)) best = { key, count };
      }
      if (!best) return { key: activeKey, engine };
      let other = otherEngines.get(best.key);
      if (!other) {
        other = deps.engineFor(specs[best.key]!);
        otherEngines.set(best.key, other);
      }
      return { key: best.key, engine: await other };
    },
    async close() {
      for (const e of otherEngines.values()) await (await e.catch(() => undefined))?.close();
      otherEngines.clear();
    },
  };
}
