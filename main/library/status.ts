import type { ClipEngine } from '../engine/types.js';
import type { LibraryStore } from '../store/library-store.js';
import type { FolderInfo, IndexingProgress, LibraryStatusInfo } from './types.js';

export const DEMO_NOTICE = 'demo model: it only knows colours; `lookbook models pull …` for a real one';

/** Problems listed by status (the counts say how many there are in all). */
export const MAX_FAILURES_LISTED = 1000;

/** The library's part of the status; search adds which model's vectors it uses (`searchModel`). */
export type LibraryStatus = Omit<LibraryStatusInfo, 'searchModel'>;

export async function libraryStatus(s: {
  dataDir: string;
  store: LibraryStore;
  engine: ClipEngine;
  folders(): Promise<FolderInfo[]>;
  progress: IndexingProgress;
  paused: boolean;
  watching: boolean;
  watchWarning: string | undefined;
}): Promise<LibraryStatus> {
  const { store, engine } = s;
  const modelKey = engine.model.id;
  // Counted by the database, not by reading the files table: status is asked every second while indexing.
  const counts = await store.countFilesByStatus();
  const failures = (await store.problemFiles(MAX_FAILURES_LISTED)).map((f) => ({
    path: f.path,
    code: f.code ?? 'unknown',
    reason: f.reason ?? '',
  }));
  return {
    dataDir: s.dataDir,
    // Photos, not files: identical copies are one photo (the same map search uses, cached by version).
    photoCount: (await store.indexedPaths()).size,
    files: counts,
    failures,
    folders: await s.folders(),
    model: {
      id: engine.model.id,
      name: engine.model.name,
      embedDim: engine.model.embedDim,
      isDemo: engine.model.isDemo,
    },
    device: { ...engine.device },
    vectors: { indexed: await store.countVectors(modelKey), total: await store.countContents() },
    annIndex: await store.hasAnnIndex(modelKey),
    indexing: s.progress,
    paused: s.paused,
    watching: s.watching,
    ...(s.watchWarning ? { watchWarning: s.watchWarning } : {}),
    ...(engine.model.isDemo ? { notice: DEMO_NOTICE } : {}),
  };
}
