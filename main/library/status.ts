import type { ClipEngine } from '../engine/types.js';
import type { LibraryStore } from '../store/library-store.js';
import type { FolderInfo, IndexingProgress, LibraryStatusInfo } from './types.js';

export const DEMO_NOTICE = 'demo model: it only knows colours; `lookbook models pull …` for a real one';

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
  const files = await store.allFiles();
  const counts = { indexed: 0, failed: 0, unsupported: 0, skipped: 0, pending: 0 };
  for (const f of files) counts[f.status]++;
  const photoIds = new Set(
    files.filter((f) => f.status === 'indexed' && f.contentId).map((f) => f.contentId),
  );
  const failures = files
    .filter((f) => f.status === 'failed' || f.status === 'unsupported')
    .sort((a, b) => a.path.localeCompare(b.path))
    .map((f) => ({ path: f.path, code: f.code ?? 'unknown', reason: f.reason ?? '' }));
  return {
    dataDir: s.dataDir,
    photoCount: photoIds.size,
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
