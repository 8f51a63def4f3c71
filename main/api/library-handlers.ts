// The API's library, search and photo requests, over the core's library and search (main/core).
import { basename, dirname, isAbsolute } from 'node:path';
import { UserError } from '../errors.js';
import { readSettings, updateSettings } from '../host/settings.js';
import { isObjectStoreUri } from '../store/library-store.js';
import type { Core } from '../core/open-core.js';
import type {
  FolderInfo,
  IndexingProgress as LibraryProgress,
  Photo,
  SearchOptions,
  SearchQuery,
} from '../library/types.js';
import { browseFolders } from '../library/browse-folders.js';
import { DECODERS } from '../media/formats.js';
import { filterOptions } from '../search/filters.js';
import type { EventHub } from './dispatch.js';
import type {
  ApiHandlers,
  FolderView,
  IndexingProgress,
  LibraryStatus,
  PhotoSummary,
  SearchFilters,
  SearchRequest,
  SearchResponse,
  StoreView,
} from './types.js';

type LibraryMethods =
  | 'library.status'
  | 'folders.add'
  | 'folders.remove'
  | 'folders.exclude'
  | 'folders.browse'
  | 'indexing.start'
  | 'indexing.pause'
  | 'indexing.resume'
  | 'search.query'
  | 'search.facets'
  | 'store.get'
  | 'store.set';

export function folderView(f: FolderInfo): FolderView {
  return { path: f.path, photoCount: f.photoCount, excluded: f.excluded, exists: f.exists };
}

export function progressView(p: LibraryProgress): IndexingProgress {
  return {
    phase: p.phase,
    total: p.total,
    done: p.done,
    failed: p.failed,
    imagesPerSecond: p.imagesPerSecond,
    etaSeconds: p.etaSeconds,
    ...(p.currentPath === undefined ? {} : { currentPath: p.currentPath }),
    failures: p.failures.slice(-50).map((f) => ({ path: f.path, reason: f.reason })),
    ...(p.message === undefined ? {} : { message: p.message }),
  };
}

/** What a photo list shows of a photo (search results, a month of the timeline, the review queue). */
export function photoSummary(
  p: Pick<Photo, 'contentId' | 'path' | 'format' | 'width' | 'height' | 'takenAt'> & {
    score?: number | null;
  },
): PhotoSummary {
  return {
    id: p.contentId,
    contentId: p.contentId,
    path: p.path,
    name: basename(p.path),
    folder: dirname(p.path),
    format: p.format ?? '',
    width: p.width,
    height: p.height,
    takenAt: p.takenAt,
    ...(p.score === null || p.score === undefined ? {} : { score: p.score }),
  };
}

export function searchOptions(filters: SearchFilters | undefined, req: SearchRequest): SearchOptions {
  const o: SearchOptions = { ...filterOptions(filters), offset: req.offset ?? 0, limit: req.limit ?? 100 };
  if (req.sort) o.sort = req.sort;
  return o;
}

export function createLibraryHandlers(
  core: Core,
  hub: EventHub,
  startIndexing: () => void,
  tagCounts: () => Promise<Array<{ tag: string; count: number }>> = async () => [],
): Pick<ApiHandlers, LibraryMethods> {
  const status = async (): Promise<LibraryStatus> => {
    const s = await core.status();
    return {
      photoCount: s.photoCount,
      folders: s.folders.map(folderView),
      model: { id: s.model.id, name: s.model.name, embedDim: s.model.embedDim, isDemo: s.model.isDemo },
      device: {
        requested: s.device.requested,
        provider: s.device.provider,
        ...(s.device.fallbackReason ? { fallbackReason: s.device.fallbackReason } : {}),
      },
      indexing: progressView(s.indexing),
      failures: s.failures.slice(0, 200).map((f) => ({ path: f.path, reason: f.reason })),
      paused: s.paused,
      ...(s.watchWarning ? { watchWarning: s.watchWarning } : {}),
      dataDir: s.dataDir,
    };
  };

  const storeView = (): StoreView => {
    const location = core.library.store.location;
    const setting = readSettings(core.dataDir).store ?? null;
    const kind = isObjectStoreUri(location.uri) ? 'object-storage' : location.shared ? 'folder' : 'local';
    return {
      current: location.uri,
      kind,
      setting,
      // The setting is what openCore used unless LOOKBOOK_STORE or --store named another place.
      overridden: (setting ?? '') !== (core.storeSpec ?? ''),
    };
  };

  return {
    'library.status': status,
    'store.get': async () => storeView(),
    'store.set': async ({ store }) => {
      // A folder must be absolute: a relative one would depend on where the app was started.
      if (store !== null && !isObjectStoreUri(store) && !isAbsolute(store.replace(/^file:\/\//i, '')))
        throw new UserError(
          'give the full path of a folder (/Volumes/Photos/lookbook) or an address such as s3://bucket/folder',
          'bad-store',
        );
      updateSettings(core.dataDir, (s) => {
        if (store === null) delete s.store;
        else s.store = store;
      });
      return storeView();
    },
    'folders.add': async ({ path }) => {
      const folders = await core.library.addFolder(path);
      startIndexing();
      return folders.map(folderView);
    },
    'folders.remove': async ({ path }) => {
      const folders = await core.library.removeFolder(path);
      hub.emit('libraryChanged', { photoCount: (await core.status()).photoCount });
      return folders.map(folderView);
    },
    'folders.exclude': async ({ folder, path }) => {
      const folders = await core.library.excludePath(folder, path);
      startIndexing();
      return folders.map(folderView);
    },
    'folders.browse': ({ path, showHidden }) =>
      browseFolders(path, showHidden === undefined ? {} : { showHidden }),
    'indexing.start': async () => {
      startIndexing();
      return (await status()).indexing;
    },
    'indexing.pause': async () => {
      core.library.pause();
      return (await status()).indexing;
    },
    'indexing.resume': async () => {
      core.library.resume();
      return (await status()).indexing;
    },
    'search.query': async (req): Promise<SearchResponse> => {
      const options = searchOptions(req.filters, req);
      const query: SearchQuery = {};
      if (req.query) query.text = req.query;
      if (req.imageBase64) {
        const bytes = Buffer.from(req.imageBase64, 'base64');
        if (bytes.length === 0) throw new UserError('The dropped image is empty.', 'invalid-request');
        query.image = bytes;
      }
      let res;
      if (req.similarTo && !query.text && !query.image) {
        res = await core.search.similar(req.similarTo, options);
      } else {
        if (req.similarTo) query.similarTo = req.similarTo;
        if (req.similarToMany?.length) query.similarToMany = req.similarToMany;
        const any =
          query.text !== undefined ||
          query.image !== undefined ||
          query.similarTo !== undefined ||
          query.similarToMany !== undefined;
        // Browsing (no query): newest first unless the user chose an order.
        if (!any && !req.sort) options.sort = 'date-desc';
        res = await core.search.search(any ? query : '', options);
      }
      return {
        total: res.total,
        offset: res.offset,
        items: res.items.map(photoSummary),
        ...(res.emptyReasons ? { emptyReasons: res.emptyReasons } : {}),
      };
    },
    'search.facets': async () => {
      const folders = await core.library.listFolders();
      return {
        folders: folders.map((f) => f.path),
        formats: Object.keys(DECODERS).sort(),
        tags: await tagCounts(),
      };
    },
  };
}
