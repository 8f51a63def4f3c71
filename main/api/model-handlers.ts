// The API's model requests, over main/models/: the catalogue with what is installed and in use,
// downloads with progress, and switching the active model (the core re-opens the library with it).
import { describeError, UserError } from '../errors.js';
import { catalogueEntrySize, loadCatalogue, requireCatalogueEntry } from '../models/catalogue.js';
import { DEMO_EMBED_DIM, DEMO_MODEL_NAME } from '../models/demo-model.js';
import { pullModel } from '../models/download.js';
import { importModel, modelIdFromPath } from '../models/import-model.js';
import {
  getActiveModel,
  getInstalledModel,
  listInstalledModels,
  setActiveModel,
} from '../models/installed-models.js';
import { absoluteUserPath } from '../user-path.js';
import type { ErrorLogger, EventHub } from './dispatch.js';
import type { ApiHandlers, CatalogueModel } from './types.js';

export type ModelMethods = 'models.catalogue' | 'models.download' | 'models.activate' | 'models.import';

export interface ModelArea {
  handlers: Pick<ApiHandlers, ModelMethods>;
  close(): Promise<void>;
}

export function createModelArea(ctx: {
  dataDir: string;
  hub: EventHub;
  log: ErrorLogger;
  /** The id the library runs now (settings may name none: then the demo model). */
  currentModelId(): string;
  /** Re-opens the library with the model now active in settings. */
  reopen(): Promise<void>;
}): ModelArea {
  const { dataDir, hub, log } = ctx;
  const downloads = new Map<string, { abort: AbortController; done: Promise<unknown> }>();
  let importing: Promise<unknown> | undefined;

  const catalogue = async (): Promise<CatalogueModel[]> => {
    const installed = await listInstalledModels(dataDir);
    const installedIds = new Set(installed.map((m) => m.id));
    const activeId = (await getActiveModel(dataDir)) ?? ctx.currentModelId();
    const demo: CatalogueModel = {
      id: 'demo',
      name: DEMO_MODEL_NAME,
      description:
        'Generated on this computer in a moment. It only knows colours — enough to try Lookbook out.',
      sizeBytes: null,
      embedDim: DEMO_EMBED_DIM,
      installed: true,
      active: activeId === 'demo',
      isDemo: true,
    };
    const fromCatalogue = loadCatalogue().map((e): CatalogueModel => ({
      id: e.id,
      name: e.name,
      description: e.description,
      sizeBytes: catalogueEntrySize(e),
      embedDim: e.embedDim,
      installed: installedIds.has(e.id),
      active: activeId === e.id,
      isDemo: false,
    }));
    const known = new Set(fromCatalogue.map((m) => m.id));
    const imported = installed
      .filter((m) => !known.has(m.id) && m.id !== 'demo' && m.layout)
      .map((m): CatalogueModel => ({
        id: m.id,
        name: m.manifest?.name ?? m.id,
        description: 'Imported from a folder on this computer.',
        sizeBytes: m.sizeBytes,
        embedDim: m.manifest?.embedDim ?? null,
        installed: true,
        active: activeId === m.id,
        isDemo: false,
      }));
    return [demo, ...fromCatalogue, ...imported];
  };

  return {
    handlers: {
      'models.catalogue': catalogue,
      'models.download': async ({ id }) => {
        const entry = requireCatalogueEntry(id);
        if (downloads.has(entry.id)) return { started: false };
        const abort = new AbortController();
        const emit = (
          phase: 'downloading' | 'verifying' | 'done' | 'error',
          received: number,
          total: number | null,
          message?: string,
        ) =>
          hub.emit('downloadProgress', {
            modelId: entry.id,
            phase,
            receivedBytes: received,
            totalBytes: total,
            ...(message ? { message } : {}),
          });
        emit('downloading', 0, catalogueEntrySize(entry) || null);
        const done = pullModel({
          dataDir,
          entry,
          signal: abort.signal,
          onProgress: (p) =>
            emit(p.phase === 'download' ? 'downloading' : 'verifying', p.bytes, p.total || null),
        })
          .then((r) => emit('done', r.bytes, r.bytes))
          .catch((e) => {
            log(`download of ${entry.id} failed`, e);
            emit('error', 0, null, `The download of ${entry.name} failed: ${describeError(e)}`);
          })
          .finally(() => downloads.delete(entry.id));
        downloads.set(entry.id, { abort, done });
        return { started: true };
      },
      'models.activate': async ({ id }) => {
        if (id !== 'demo' && !(await listInstalledModels(dataDir)).some((m) => m.id === id)) {
          throw new UserError(
            `The model “${id}” is not downloaded yet; download it first.`,
            'model-not-installed',
          );
        }
        await setActiveModel(dataDir, id);
        await ctx.reopen();
        return catalogue();
      },
      // The same checks as `lookbook models import` (importModel: layout, files, size, a test inference),
      // with the app's words where the CLI's name its flags. It is not put to use: the person chooses.
      'models.import': async ({ path }) => {
        if (importing) {
          throw new UserError('Another model is being imported; wait until it is done.', 'busy');
        }
        const source = absoluteUserPath(path);
        const id = modelIdFromPath(source);
        if (await getInstalledModel(dataDir, id)) {
          throw new UserError(
            `A model named “${id}” is already installed. Remove it first, or rename the folder or archive ` +
              'to import it under another name.',
            'model-exists',
          );
        }
        const run = importModel(source, { dataDir, id });
        importing = run;
        try {
          const result = await run;
          return { id: result.id, models: await catalogue() };
        } finally {
          importing = undefined;
        }
      },
    },
    async close() {
      for (const d of downloads.values()) d.abort.abort(new Error('closing'));
      await importing?.catch(() => undefined);
      await Promise.allSettled([...downloads.values()].map((d) => d.done));
    },
  };
}
