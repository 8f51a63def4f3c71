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
  type InstalledModel,
} from '../models/installed-models.js';
import { convertedModelId, quantizeModel, type Precision } from '../models/quantize.js';
import type { ExecutionProvider } from '../engine/device.js';
import { absoluteUserPath } from '../user-path.js';
import type { ErrorLogger, EventHub } from './dispatch.js';
import type { ApiHandlers, CatalogueModel, ConversionProgress } from './types.js';

export type ModelMethods =
  'models.catalogue' | 'models.download' | 'models.activate' | 'models.import' | 'models.makeFaster';

/** What a converted model says about itself on its card, and which copy an original can get here. */
function conversionFields(
  m: InstalledModel | undefined,
  installedIds: ReadonlySet<string>,
  provider: ExecutionProvider,
): Pick<CatalogueModel, 'converted' | 'fasterVersion'> {
  if (!m?.layout) return {};
  const source = m.manifest?.source;
  if (source?.type === 'converted') {
    const { images, texts } = source.agreement;
    const agreement = Math.min(images?.min ?? 1, texts?.min ?? 1);
    return { converted: { from: source.from, precision: source.precision, agreement } };
  }
  // int8 runs fastest on processors; graphics cards run float16 natively.
  const precision: Precision = provider === 'cpu' ? 'int8' : 'fp16';
  const id = convertedModelId(m.id, precision);
  return { fasterVersion: { id, precision, installed: installedIds.has(id) } };
}

/** A converted model's card text: what it is, and what it trades, in plain words. */
function convertedDescription(from: string, precision: Precision, agreement: number): string {
  const forWhat = precision === 'int8' ? "this computer's processor" : 'graphics cards';
  return (
    `A faster copy of ${from}, made for ${forWhat}. Matches are very slightly less precise: ` +
    `checked on sample pictures and phrases, it agreed at least ${(agreement * 100).toFixed(1)}% with the original.`
  );
}

const progressWords = {
  copying: 'Copying the model…',
  converting: 'Making the faster version…',
  checking: 'Checking it against the original on sample pictures and phrases…',
  installing: 'Installing it…',
  done: 'Done.',
} as const;

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
  /** The execution provider running the model now ('cpu' when no library is open). */
  currentProvider(): ExecutionProvider;
  /** Re-opens the library with the model now active in settings. */
  reopen(): Promise<void>;
}): ModelArea {
  const { dataDir, hub, log } = ctx;
  const downloads = new Map<string, { abort: AbortController; done: Promise<unknown> }>();
  let importing: Promise<unknown> | undefined;
  /** One conversion at a time: it keeps both cores busy for a minute or more. */
  let converting: Promise<unknown> | undefined;

  const catalogue = async (): Promise<CatalogueModel[]> => {
    const installed = await listInstalledModels(dataDir);
    const installedIds = new Set(installed.map((m) => m.id));
    const byId = new Map(installed.map((m) => [m.id, m]));
    const provider = ctx.currentProvider();
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
      ...conversionFields(byId.get(e.id), installedIds, provider),
    }));
    const known = new Set(fromCatalogue.map((m) => m.id));
    const imported = installed
      .filter((m) => !known.has(m.id) && m.id !== 'demo' && m.layout)
      .map((m): CatalogueModel => {
        const fields = conversionFields(m, installedIds, provider);
        const { converted } = fields;
        return {
          id: m.id,
          name: m.manifest?.name ?? m.id,
          description: converted
            ? convertedDescription(converted.from, converted.precision, converted.agreement)
            : 'Imported from a folder on this computer.',
          sizeBytes: m.sizeBytes,
          embedDim: m.manifest?.embedDim ?? null,
          installed: true,
          active: activeId === m.id,
          isDemo: false,
          ...fields,
        };
      });
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
      // The same conversion and check as `lookbook models quantize`, in the background with progress.
      'models.makeFaster': async ({ id }) => {
        const model = await getInstalledModel(dataDir, id);
        const offer = conversionFields(
          model,
          new Set((await listInstalledModels(dataDir)).map((m) => m.id)),
          ctx.currentProvider(),
        ).fasterVersion;
        if (!model || !offer) {
          throw new UserError(
            `There is no faster version to make of “${id}”: only a downloaded or imported model can have one.`,
            'model-invalid',
          );
        }
        if (offer.installed) {
          throw new UserError(`The faster version of “${id}” is already installed.`, 'model-exists');
        }
        if (converting) {
          throw new UserError('A faster version is being made already; wait until it is done.', 'busy');
        }
        const emit = (p: Omit<ConversionProgress, 'modelId' | 'targetId'>) =>
          hub.emit('conversionProgress', { modelId: id, targetId: offer.id, ...p });
        emit({ phase: 'working', step: 0, total: 1, message: 'Starting…' });
        converting = quantizeModel({
          dataDir,
          model: id,
          precision: offer.precision,
          id: offer.id,
          // Both cores: the person asked for it and waits for it.
          threads: 2,
          onProgress: (p) =>
            p.phase !== 'done' &&
            emit({ phase: 'working', step: p.step, total: p.total, message: progressWords[p.phase] }),
        })
          .then((r) =>
            emit({
              phase: 'done',
              step: 1,
              total: 1,
              message: 'Done.',
              agreement: Math.min(r.agreement.images?.min ?? 1, r.agreement.texts?.min ?? 1),
            }),
          )
          .catch((e) => {
            log(`making a faster version of ${id} failed`, e);
            emit({
              phase: 'error',
              step: 0,
              total: 1,
              message: `No faster version was made: ${describeError(e)}`,
            });
          })
          .finally(() => {
            converting = undefined;
          });
        return { started: true };
      },
    },
    async close() {
      for (const d of downloads.values()) d.abort.abort(new Error('closing'));
      await importing?.catch(() => undefined);
      await converting;
      await Promise.allSettled([...downloads.values()].map((d) => d.done));
    },
  };
}
