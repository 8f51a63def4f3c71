// [Note: one API, two transports] The API's implementation over the core. One factory, given the data
// directory (and the model/device the user asked for): the web server, the Electron utility process and
// the tests all build it the same way. Each area's requests live in its own handlers file.
//
// A "session" is the core (main/core/open-core.ts: the library opened with one model, search, tagging,
// tuning) plus the API's areas built on it.
// Switching the active model closes the session and opens a new one; the event hub, the model area
// and the handlers object the transports hold survive, so connected UIs keep working.
import { join } from 'node:path';
import { UserError } from '../errors.js';
import { openCore, type Core } from '../core/open-core.js';
import { logError, logWarning } from '../log.js';
import type { DeviceRequest } from '../engine/types.js';
import type { CoreApi, ErrorLogger, EventHub } from './dispatch.js';
import { createEventHub } from './dispatch.js';
import { describeHolder } from '../library/library.js';
import { createAlbumArea } from './album-handlers.js';
import { createDuplicateHandlers } from './duplicate-handlers.js';
import { createLibraryHandlers, progressView } from './library-handlers.js';
import type { MediaSource } from './media-access.js';
import { createModelArea, type ModelMethods } from './model-handlers.js';
import { createPhotoHandlers } from './photo-handlers.js';
import { createTaggingArea } from './tagging-handlers.js';
import { createTrashHandlers } from './trash-handlers.js';
import { createTuningArea } from './tuning-handlers.js';
import type { ApiHandlers, MethodName } from './types.js';
import { METHOD_NAMES } from './types.js';

export interface CoreApiOptions {
  dataDir: string;
  /** Where the library's tables live (see CoreOptions.store). */
  store?: string;
  /** A model for this run only (CLI --model); by default the active model in settings, else the demo. */
  model?: string;
  device?: DeviceRequest;
  threads?: number;
  /** Watch the folders for changes after the first scan (default true). */
  watch?: boolean;
  log?: ErrorLogger;
}

interface Session {
  core: Core;
  handlers: Omit<ApiHandlers, ModelMethods>;
  close(): Promise<void>;
}

async function openSession(
  options: CoreApiOptions,
  model: string | undefined,
  hub: EventHub,
  log: ErrorLogger,
): Promise<Session> {
  const cleanups: Array<() => unknown> = [];
  const core = await openCore({
    dataDir: options.dataDir,
    ...(options.store ? { store: options.store } : {}),
    ...(model ? { model } : {}),
    ...(options.device ? { device: options.device } : {}),
    ...(options.threads ? { threads: options.threads } : {}),
    // The app and the web mode stay open: their searches should not wait for the index to be read.
    keepSearchWarm: true,
    // Notices (an adapter that could not be loaded) reach the UI through the library's progress.
  });
  const { library } = core;
  let closed = false;

  // A second server (or the app) on a library that another one already watches is refused: both would
  // write to the same tables (tags, folders, tuning), the races the index lock exists to prevent, and
  // the person almost always just forgot the first one, which is the one to use.
  const holder = await library.lockHolder();
  // A library shared by several computers is written by one of them: the others read it (search, tags,
  // albums, browsing), see its new photos as they are committed, and do not watch or wait to write.
  const readerOnly = holder?.viaStore === true;
  if (readerOnly)
    logWarning(`${describeHolder(holder)} indexes this shared library; this one reads it and does not index`);
  const watch = (options.watch ?? true) && !readerOnly;
  if (watch && holder?.watching) {
    await core.close();
    throw new UserError(
      `this library is already open in ${describeHolder(holder)}; use that one, or stop it ` +
        '(Ctrl+C where it runs) and start again',
      'library-open-elsewhere',
    );
  }

  cleanups.push(library.onProgress((p) => hub.emit('indexingProgress', progressView(p))));

  // Photos indexed: views refresh, at most once a second while a run goes on.
  let changeTimer: NodeJS.Timeout | undefined;
  const libraryChanged = () => {
    if (changeTimer || closed) return;
    changeTimer = setTimeout(() => {
      changeTimer = undefined;
      if (closed) return;
      core
        .status()
        .then((s) => hub.emit('libraryChanged', { photoCount: s.photoCount }))
        .catch((e) => log('status after indexing failed', e));
    }, 1000);
  };
  cleanups.push(library.onPhotosIndexed(libraryChanged));
  cleanups.push(library.onProgress((p) => p.phase === 'done' && libraryChanged()));

  let watching: Promise<unknown> | undefined;
  let indexRun: Promise<unknown> | undefined;
  let again = false;
  // One run at a time is the library's rule; here we only avoid piling up requests for runs.
  const startIndexing = () => {
    if (closed) return;
    if (watch && !watching) {
      // Busy with a `lookbook index` run: watching starts when it finishes (the progress says so).
      void library.lockHolder().then((busy) => {
        if (busy)
          logWarning(
            `${describeHolder(busy)} is indexing this library; the folders are watched once it finishes`,
          );
      });
      watching = library.startWatching({ waitIfBusy: true }).catch((e) => {
        if (!closed) log('indexing failed', e);
      });
      return;
    }
    if (watch && !library.watching) {
      // Still waiting for another process: the full index that starts watching will include this request.
      void library.lockHolder().then((busy) => busy || runIndex());
      return;
    }
    runIndex();
  };
  const runIndex = () => {
    if (closed) return;
    if (indexRun) {
      again = true;
      return;
    }
    indexRun = library
      .index()
      .catch((e) => log('indexing failed', e))
      .finally(() => {
        indexRun = undefined;
        if (again && !closed) {
          again = false;
          startIndexing();
        }
      });
  };

  const ctx = { core, hub, dataDir: options.dataDir, log };
  const tagging = await createTaggingArea(ctx).catch(async (e: unknown) => {
    // An area that cannot open (a damaged table) must not leave this model's engine loaded.
    closed = true;
    for (const c of cleanups) c();
    await core.close();
    throw e;
  });
  const tuning = await createTuningArea(ctx).catch(async (e: unknown) => {
    closed = true;
    for (const c of cleanups) c();
    await tagging.close();
    await core.close();
    throw e;
  });
  const libraryHandlers = createLibraryHandlers(core, hub, startIndexing, tagging.tagCounts);
  const albums = createAlbumArea(ctx);
  // Catch up with changes made while Lookbook was closed, then keep watching.
  startIndexing();
  // The Photos view opens first: its bulk read of the library (~0.5 s at 100,000 photos) is done now, in
  // the background, so the view's first screen comes from the cache (a few ms).
  core.search.timeline.summary().catch((e) => {
    if (!closed) log('preparing the Photos view failed', e);
  });

  return {
    core,
    handlers: {
      ...libraryHandlers,
      ...createPhotoHandlers({
        library,
        timeline: core.search.timeline,
        tags: tagging.tagsOf,
        captions: tuning.captionsOf,
      }),
      ...tagging.handlers,
      ...tuning.handlers,
      ...albums.handlers,
      ...createDuplicateHandlers(core),
      ...createTrashHandlers(ctx),
    },
    async close() {
      if (closed) return;
      closed = true;
      if (changeTimer) clearTimeout(changeTimer);
      for (const c of cleanups) c();
      albums.close();
      await tuning.close();
      await tagging.close();
      await core.close();
      // Not `await watching`: after close() the library's startWatching() promise may never settle
      // (a watcher replaced before it was ready); close() has already stopped the work.
      await indexRun;
    },
  };
}

export async function createCoreApi(options: CoreApiOptions): Promise<CoreApi> {
  const log: ErrorLogger = options.log ?? logError;
  const hub = createEventHub(log);
  let session: Session | undefined = await openSession(options, options.model, hub, log);
  let switching: Promise<void> | undefined;
  let closed = false;

  const models = createModelArea({
    dataDir: options.dataDir,
    hub,
    log,
    currentModelId: () => session?.core.engine.model.id ?? 'demo',
    currentProvider: () => session?.core.engine.device.provider ?? 'cpu',
    async reopen() {
      const old = session;
      session = undefined;
      switching = (async () => {
        await old?.close();
        // The model just chosen (settings), not the one given for the first run.
        session = await openSession(options, undefined, hub, log);
      })();
      try {
        await switching;
      } finally {
        switching = undefined;
      }
      const opened = await current();
      hub.emit('libraryChanged', { photoCount: (await opened.core.status()).photoCount });
    },
  });

  const current = async (): Promise<Session> => {
    if (switching) await switching.catch(() => undefined);
    if (!session)
      throw new UserError('Lookbook is closing or could not open the library; restart it.', 'unavailable');
    return session;
  };

  // Handlers that always reach the session of the moment (see the note at the top).
  const handlers = {} as Record<MethodName, (r: unknown) => Promise<unknown>>;
  for (const m of METHOD_NAMES) {
    if (m in models.handlers) handlers[m] = models.handlers[m as keyof typeof models.handlers] as never;
    else
      handlers[m] = async (r) =>
        ((await current()).handlers[m as keyof Session['handlers']] as (x: unknown) => Promise<unknown>)(r);
  }

  const thumbnailsDir = join(options.dataDir, 'thumbnails');
  const media: MediaSource = {
    async photoPath(id) {
      return (await (await current()).core.library.getPhoto(id))?.path ?? null;
    },
    // Made on demand when missing: photos another computer indexed into a shared library have none here.
    thumbnailPath: (contentId) => session?.core.library.thumbnailOnDemand(contentId),
    thumbnailsDir: () => thumbnailsDir,
    async libraryFolders() {
      return (await (await current()).core.library.listFolders()).map((f) => f.path);
    },
  };

  return {
    handlers: handlers as unknown as ApiHandlers,
    media,
    dataDir: options.dataDir,
    subscribe: (event, listener) => hub.subscribe(event, listener),
    async close() {
      if (closed) return;
      closed = true;
      await models.close();
      await switching?.catch(() => undefined);
      await session?.close();
      session = undefined;
    },
  };
}
