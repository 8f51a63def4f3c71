import { rm } from 'node:fs/promises';
import type { LibraryStore } from '../store/library-store.js';
import { thumbnailFile, type KnownSets } from './indexer.js';

// Contents that no file refers to any more (the last copy was deleted or moved out of the library).
// While watching they are kept for a grace period: a rename or a move between folders can reach the
// watcher as a removal first and an addition a moment later, and the photo must not be encoded again.

export interface OrphanSweeper {
  /** Drops contents that have been unreferenced for at least `graceMs` (0: all of them now). */
  drop(graceMs: number): Promise<number>;
}

export function createOrphanSweeper(deps: {
  store: LibraryStore;
  thumbnailsDir: string;
  /** The indexer's cache of existing contents and vectors, kept in step with what is dropped. */
  known(): KnownSets | undefined;
  /** Called after contents were dropped (search refreshes its cached samples). */
  onDropped(): void;
}): OrphanSweeper {
  const orphanSince = new Map<string, number>();
  return {
    async drop(graceMs) {
      const { store } = deps;
      const orphans = await store.orphanContentIds();
      const now = Date.now();
      const current = new Set(orphans);
      for (const id of orphanSince.keys()) if (!current.has(id)) orphanSince.delete(id);
      const drop: string[] = [];
      for (const id of orphans) {
        const since = orphanSince.get(id) ?? now;
        orphanSince.set(id, since);
        if (now - since >= graceMs) drop.push(id);
      }
      if (drop.length === 0) return 0;
      await store.deleteVectorsEverywhere(drop);
      await store.deleteContents(drop);
      const known = deps.known();
      for (const id of drop) {
        known?.contents.delete(id);
        known?.vectors.delete(id);
        orphanSince.delete(id);
        await rm(thumbnailFile(deps.thumbnailsDir, id), { force: true });
      }
      deps.onDropped();
      return drop.length;
    },
  };
}
