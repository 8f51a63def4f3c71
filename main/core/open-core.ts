// [Note: the composition root] The one place where Lookbook's core is put together. The CLI, the web
// server, the Electron utility process (both through main/api/core-api.ts), the bench and the tests all
// open a library through openCore, so a fix to the wiring reaches every entry point at once.
//
// Order of construction, each part handed only what it needs:
//   store, engine (a model folder resolved by main/models)  →  library (folders, indexing, photos)
//   →  the active adapter (one reader, shared)  →  search (with tagging's tag filter and the albums'
//   album filter), tagging, tuning  →  albums (smart albums are searches)  →  duplicates.
// Tagging, fine-tuning, albums and duplicates are opened on first use: most commands need none of them.
import { join, resolve } from 'node:path';
import { createAlbumService, type AlbumService } from '../albums/album-service.js';
import { createCopyMetadata } from '../duplicates/copy-metadata.js';
import { createResolver, type Resolver } from '../duplicates/resolver.js';
import { openTrash } from '../duplicates/trash.js';
import { openActiveAdapter, type ActiveAdapterSource } from '../adapters/active-adapter.js';
import { createDuplicateFinder, type DuplicateFinder } from '../duplicates/duplicate-finder.js';
import { isDeviceRequest, type DeviceRequest } from '../engine/device.js';
import type { ClipEngine } from '../engine/types.js';
import { describeError, UserError } from '../errors.js';
import { ensureDataDir } from '../host/data-dir.js';
import { readSettings, updateSettings } from '../host/settings.js';
import { openLibrary, type Library, type LibraryOptions } from '../library/library.js';
import type { LibraryStatusInfo } from '../library/types.js';
import { modelsDir } from '../models/installed-models.js';
import { createEngineForModel } from '../models/resolve-model.js';
import { TAGGING_RUNS_FOLDER } from '../tagging/run-journal.js';
import { createPhotoSearch, type PhotoSearch } from '../search/photo-search.js';
import { openLibraryStore, storeLocation, type LibraryStore } from '../store/library-store.js';
import { createTaggingService, type TaggingService } from '../tagging/tagging-service.js';
import { sweepTempFiles } from '../temp-files.js';
import { IMPORTED_FOLDER, moveImportsOutOfLibrary } from '../tuning/pair-import.js';
import {
  createTuningService,
  type TuningService,
  type TuningServiceOptions,
} from '../tuning/tuning-service.js';

export interface CoreOptions {
  dataDir: string;
  /**
   * Where the library's tables live (a folder, or s3://bucket/prefix …); default: LOOKBOOK_STORE, else
   * the `store` setting, else the data directory's own.
   */
  store?: string;
  /** Model spec (catalogue id, folder, 'demo'); default: settings.activeModel, else the demo model. */
  model?: string;
  device?: DeviceRequest;
  /** onnxruntime intra-op threads (default: settings.indexThreads, else the engine's choice). */
  threads?: number;
  /** Let the vision tower's idle threads spin-wait (the bench compares it; see EngineOptions). */
  spinWait?: boolean;
  /** Indexing knobs (tests and the bench set them). */
  library?: Omit<LibraryOptions, 'dataDir' | 'engine' | 'store'>;
  /** Fine-tuning knobs (tests set them). */
  tuning?: Omit<TuningServiceOptions, 'adapter' | 'tags'>;
  /** What "Empty trash" does with a file: Electron hands it to the system's trash; by default it is deleted. */
  discard?(path: string): Promise<void>;
  /** Something the user should know that does not stop the library from opening. */
  onNotice?(message: string): void;
  /**
   * Load the search's ANN index into memory in the background, and again after each rebuild (see
   * StoreMaintenance.keepAnnIndexWarm): for processes that stay open (the app, the web mode), whose
   * first searches would otherwise read the index from disk.
   */
  keepSearchWarm?: boolean;
}

export interface Core {
  readonly dataDir: string;
  /** The store spec this core was opened with (--store, LOOKBOOK_STORE or the setting); undefined: the default. */
  readonly storeSpec: string | undefined;
  readonly engine: ClipEngine;
  readonly library: Library;
  readonly search: PhotoSearch;
  /** The active adapter of the engine's model: search, tagging and tuning share this one. */
  readonly adapter: ActiveAdapterSource;
  /** Tagging, opened on first use. */
  tagging(): TaggingService;
  /** Fine-tuning, opened on first use. */
  tuning(): Promise<TuningService>;
  /** Albums, opened on first use. */
  albums(): AlbumService;
  /** Duplicates (finding groups, choosing keepers), opened on first use. */
  duplicates(): DuplicateFinder;
  /** Resolving duplicates: the trash, moving copies into it, undo (opened on first use). */
  resolver(): Resolver;
  /** The library's status with the model search uses now. */
  status(): Promise<LibraryStatusInfo>;
  close(): Promise<void>;
}

export async function openCore(options: CoreOptions): Promise<Core> {
  const dataDir = ensureDataDir(resolve(options.dataDir));
  // Temporary files that a killed run left behind are removed while the rest opens; close() waits for it.
  const swept = sweepLeftovers(dataDir);
  const settings = readSettings(dataDir);
  const modelSpec = options.model ?? settings.activeModel ?? 'demo';
  // A hand-edited setting that names no device is ignored (the engine chooses), not trusted.
  const device = options.device ?? (isDeviceRequest(settings.device) ? settings.device : undefined);
  const engine = await createEngineForModel(modelSpec, {
    dataDir,
    ...(device ? { device } : {}),
    ...(options.spinWait !== undefined ? { spinWait: options.spinWait } : {}),
    // The app and the web mode search soon after opening; a CLI command loads the text tower only if it
    // encodes a text (`lookbook index` or `status` never do).
    textTower: options.keepSearchWarm ? 'at-start' : 'on-first-use',
    ...((options.threads ?? settings.indexThreads)
      ? { threads: options.threads ?? settings.indexThreads }
      : {}),
  });
  // What is open so far, closed again if a later step fails (a worker thread, a database connection).
  let store: LibraryStore | undefined;
  let library: Library | undefined;
  let adapter: ActiveAdapterSource;
  const storeSpec = options.store ?? (process.env.LOOKBOOK_STORE || undefined) ?? settings.store;
  try {
    store = await openLibraryStore(dataDir, storeLocation(dataDir, storeSpec));
    // Remember which spec produced each vectors table, so search can fall back to a complete one.
    if (settings.libraryModels?.[engine.model.id] !== modelSpec) {
      updateSettings(dataDir, (s) => {
        s.libraryModels = { ...(s.libraryModels ?? {}), [engine.model.id]: modelSpec };
      });
    }
    library = await openLibrary({ ...options.library, dataDir, engine, store });
    const opened = library;
    // Imported datasets were library folders before they were kept apart: move them out, once.
    const moved = await moveImportsOutOfLibrary(opened);
    if (moved !== null) {
      const message = `imported datasets are training data now, not library photos: ${moved} pictures left the library (their pairs still train)`;
      opened.notify(message);
      options.onNotice?.(message);
    }
    // A damaged adapter file must not keep the library from opening: search and tagging run zero-shot,
    // and the message goes where the user sees the library's progress (and to onNotice).
    adapter = await openActiveAdapter(dataDir, engine.model.id, (e) => {
      const message = `adapter not loaded: ${describeError(e)}`;
      opened.notify(message);
      options.onNotice?.(message);
    });
  } catch (e) {
    await library?.close().catch(() => undefined);
    store?.close();
    await engine.close().catch(() => undefined);
    throw e;
  }
  const openedStore = store;
  const openedLibrary = library;

  let closing: Promise<void> | undefined;
  const open = () => {
    if (closing) throw new UserError('the library is closed', 'library-closed');
  };
  let tagging: TaggingService | undefined;
  const taggingService = () => {
    open();
    return (tagging ??= createTaggingService(openedLibrary, { adapter }));
  };
  let tuning: Promise<TuningService> | undefined;
  const tuningService = () => {
    open();
    tuning ??= createTuningService(openedLibrary, {
      ...options.tuning,
      adapter,
      tags: {
        confirmedLabels: async () =>
          (await taggingService().facets(undefined, ['confirmed']))
            .filter((c) => c.confirmed > 0)
            .map((c) => c.label),
        confirmedContentIds: (label) => taggingService().contentIdsWithTags([label], ['confirmed']),
      },
    });
    // A failure to open (a damaged pairs table) is reported to this caller; the next one tries again.
    tuning.catch(() => (tuning = undefined));
    return tuning;
  };

  let albums: AlbumService | undefined;
  const albumService = () => {
    open();
    return (albums ??= createAlbumService({ library: openedLibrary, search }));
  };

  let duplicates: DuplicateFinder | undefined;
  const duplicateFinder = () => {
    open();
    return (duplicates ??= createDuplicateFinder({
      library: openedLibrary,
      // The vectors search uses: a complete table, even while a new model's indexing catches up.
      modelKey: () => search.modelKey(),
      albumContentIds: (ref) => albumService().contentIds(ref),
    }));
  };

  let resolver: Resolver | undefined;
  const resolverService = () => {
    open();
    return (resolver ??= createResolver({
      dataDir,
      trash: openTrash(dataDir, options.discard ? { discard: options.discard } : {}),
      libraryFolders: async () => (await openedLibrary.listFolders()).map((f) => f.path),
      metadata: createCopyMetadata({
        tags: () => taggingService().tags,
        pairs: async () => (await tuningService()).pairs,
        albums: albumService,
      }),
      // Moved or restored paths: the library rescans its folders (the same bytes keep their content ids).
      reindex: async () => {
        await openedLibrary.index();
      },
    }));
  };

  const search = createPhotoSearch({
    library: openedLibrary,
    adapter,
    contentIdsWithTags: async (labels) => new Set(await taggingService().contentIdsWithTags(labels)),
    // Search filters by album without knowing albums: the album service answers (it searches in turn
    // for a smart album, whose query cannot name another album, so this never loops).
    contentIdsInAlbum: (albumId) => albumService().contentIds(albumId),
    engineFor: (spec) => createEngineForModel(spec, { dataDir, ...(device ? { device } : {}) }),
  });
  // In the background: a search meanwhile reads what it needs itself. A failure only leaves it cold.
  const warming = options.keepSearchWarm
    ? search
        .modelKey()
        .then((key) => openedStore.keepAnnIndexWarm(key))
        .catch(() => false)
    : Promise.resolve(false);

  return {
    dataDir,
    storeSpec,
    engine,
    library: openedLibrary,
    search,
    adapter,
    tagging: taggingService,
    tuning: tuningService,
    albums: albumService,
    duplicates: duplicateFinder,
    resolver: resolverService,
    async status() {
      return { ...(await openedLibrary.status()), searchModel: await search.modelKey() };
    },
    // Every caller waits for the same close (Ctrl+C closes the library while the command's own
    // clean-up closes the core): the engine and the store go only after the library's last write.
    close: () =>
      (closing ??= (async () => {
        await swept;
        // The store closes last: a warm-up still loading the index must not outlive its connection.
        await warming;
        await openedLibrary.close();
        await search.close();
        await engine.close();
        openedStore.close();
      })()),
  };
}

/**
 * Removes the temporary files (see [Note: temporary files]) that a killed run left in the folders
 * Lookbook writes to: thumbnails, imported datasets, models, vocabularies, adapters, caches, and
 * settings.json's own folder (only its top level: the data directory may hold anything). The database
 * (db/) is LanceDB's to manage. A model download's `.tmp-<id>-download` folder is not a leftover: the
 * next `models pull` resumes from it.
 */
async function sweepLeftovers(dataDir: string): Promise<void> {
  await sweepTempFiles([dataDir], { recursive: false });
  await sweepTempFiles([
    join(dataDir, 'thumbnails'),
    join(dataDir, IMPORTED_FOLDER),
    modelsDir(dataDir),
    join(dataDir, 'vocabularies'),
    join(dataDir, TAGGING_RUNS_FOLDER),
    join(dataDir, 'adapters'),
    join(dataDir, 'cache'),
    join(dataDir, 'trash'),
    join(dataDir, 'resolutions'),
  ]);
}
