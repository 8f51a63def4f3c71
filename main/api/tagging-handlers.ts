// The API's tagging requests, over main/tagging/'s TaggingService (zero-shot tags, review, vocabularies,
// auto-tagging).
import { randomUUID } from 'node:crypto';
import { UserError, describeError } from '../errors.js';
import type { Core } from '../core/open-core.js';
import type { TagRecord } from '../tagging/tag-store.js';
import type { BulkTagResult } from '../tagging/tagging-service.js';
import { vocabularyNameFrom } from '../tagging/vocabulary.js';
import type { Vocabulary, VocabularyFormat } from '../tagging/vocabulary.js';
import type { ErrorLogger, EventHub } from './dispatch.js';
import { photoSummary } from './library-handlers.js';
import type { ApiHandlers, BulkResult, PhotoTag, VocabularyView } from './types.js';

type TaggingMethods =
  | 'tags.add'
  | 'tags.confirm'
  | 'tags.reject'
  | 'tags.addMany'
  | 'tags.confirmMany'
  | 'tags.rejectMany'
  | 'tags.facets'
  | 'xmp.export'
  | 'review.labels'
  | 'review.queue'
  | 'vocabularies.list'
  | 'vocabularies.save'
  | 'vocabularies.import'
  | 'tagging.autoTag'
  | 'tagging.lastRun'
  | 'tagging.undo';

export interface AreaContext {
  core: Core;
  hub: EventHub;
  dataDir: string;
  log: ErrorLogger;
}

export interface TaggingArea {
  handlers: Pick<ApiHandlers, TaggingMethods>;
  tagsOf(contentId: string): Promise<PhotoTag[]>;
  /** Tag counts for the search filters. */
  tagCounts(): Promise<Array<{ tag: string; count: number }>>;
  close(): Promise<void>;
}

function tagView(t: TagRecord): PhotoTag {
  const status = t.state === 'confirmed' && t.source === 'user' && t.score === null ? 'manual' : t.state;
  return { tag: t.label, score: t.score, status };
}

// Confirmed first, then suggestions by score, rejected last: the order a person reviews them in.
const ORDER: Record<PhotoTag['status'], number> = { confirmed: 0, manual: 0, suggested: 1, rejected: 2 };

function vocabularyView(
  v: Vocabulary,
  builtIn: boolean,
  fit: { isDefault: boolean; warning: string | undefined },
): VocabularyView {
  return {
    id: v.name,
    name: v.description ? `${v.name} — ${v.description}` : v.name,
    labels: v.labels.map((l) => l.label),
    builtIn,
    isDefault: fit.isDefault,
    ...(fit.warning ? { warning: fit.warning } : {}),
  };
}

function guessFormat(text: string): VocabularyFormat {
  const t = text.trimStart();
  if (t.startsWith('{') || t.startsWith('[')) return 'json';
  const firstLine = t.split('\n', 1)[0] ?? '';
  return firstLine.includes(',') ? 'csv' : 'txt';
}

export async function createTaggingArea(ctx: AreaContext): Promise<TaggingArea> {
  const { core, hub, log } = ctx;
  const service = core.tagging();
  const detach = service.attach({ onError: (e) => log('auto-tagging failed', e) });
  const runs = new Set<Promise<unknown>>();

  const tagsOf = async (contentId: string): Promise<PhotoTag[]> => {
    const { tags } = await service.photoTags(contentId);
    return tags
      .map(tagView)
      .sort(
        (a, b) =>
          ORDER[a.status] - ORDER[b.status] || (b.score ?? 2) - (a.score ?? 2) || a.tag.localeCompare(b.tag),
      );
  };

  /** A bulk action on a selection: photos that left the library are reported, the rest acted on. */
  const bulk = async (
    photoIds: string[],
    act: (contentIds: string[]) => Promise<BulkTagResult>,
  ): Promise<BulkResult> => {
    const { contentIds, failures } = await service.resolvePhotos(photoIds);
    const done = contentIds.length > 0 ? await act(contentIds) : { changed: 0, skipped: 0 };
    return { ...done, failures };
  };

  /** A vocabulary as the UI shows it: whether it is the default, and whether the model can score it. */
  const view = async (v: Vocabulary, builtIn: boolean) =>
    vocabularyView(v, builtIn, {
      isDefault: v.name === service.defaultVocabulary(),
      warning: await service.vocabularyWarning(v.name),
    });

  const list = async (): Promise<VocabularyView[]> => {
    const summaries = await service.vocabularies.list();
    const out: VocabularyView[] = [];
    for (const s of summaries) out.push(await view(await service.vocabularies.get(s.name), s.builtin));
    return out;
  };

  return {
    tagsOf,
    async tagCounts() {
      const counts = await service.facets(undefined, ['confirmed', 'suggested']);
      return counts.map((c) => ({ tag: c.label, count: c.count }));
    },
    handlers: {
      'tags.add': async ({ photoId, tag }) => {
        await service.addTags([photoId], [tag]);
        return tagsOf(photoId);
      },
      'tags.confirm': async ({ photoId, tag }) => {
        await service.confirmTags([photoId], [tag]);
        return tagsOf(photoId);
      },
      'tags.reject': async ({ photoId, tag }) => {
        await service.rejectTags([photoId], [tag]);
        return tagsOf(photoId);
      },
      'tags.addMany': ({ photoIds, tag }) => bulk(photoIds, (ids) => service.addTagMany(ids, tag)),
      'tags.confirmMany': ({ photoIds, tag }) =>
        bulk(photoIds, (ids) =>
          service.reviewMany(ids, 'confirmed', tag === undefined ? {} : { label: tag }),
        ),
      'tags.rejectMany': ({ photoIds, tag }) =>
        bulk(photoIds, (ids) => service.reviewMany(ids, 'rejected', tag === undefined ? {} : { label: tag })),
      'tags.facets': async () => {
        const counts = await service.facets(undefined, ['confirmed', 'suggested']);
        return counts.map((c) => ({
          tag: c.label,
          count: c.count,
          confirmed: c.confirmed,
          rejected: c.rejected,
        }));
      },
      // The confirmed tags of the selected photos, as keywords in their XMP sidecars (merged with what
      // a sidecar holds; the photos themselves are never written).
      'xmp.export': async ({ photoIds }) => {
        const { contentIds, failures } = await service.resolvePhotos(photoIds);
        const summary =
          contentIds.length > 0
            ? await service.exportXmp({ contentIds })
            : { created: 0, updated: 0, files: [] };
        return {
          written: summary.created + summary.updated,
          failures: [
            ...failures,
            ...summary.files
              .filter((f) => f.status === 'failed')
              .map((f) => ({ path: f.photoPath, reason: f.reason ?? 'The sidecar could not be written.' })),
          ],
        };
      },
      'review.labels': async () =>
        (await service.reviewLabels()).map((c) => ({
          tag: c.label,
          pending: c.pending,
          reviewed: c.reviewed,
        })),
      'review.queue': async ({ tag, offset, limit }) => {
        const page = await service.reviewQueue(tag, { offset, limit });
        return {
          tag: page.label,
          pending: page.pending,
          reviewed: page.reviewed,
          items: page.items.map(photoSummary),
        };
      },
      'vocabularies.list': list,
      'vocabularies.save': async ({ id, name, labels }) => {
        const slug = id ?? vocabularyNameFrom(name);
        const builtIn = (await service.vocabularies.list()).some((s) => s.builtin && s.name === slug);
        if (builtIn) {
          throw new UserError(
            `“${slug}” is a built-in vocabulary; save your version under another name.`,
            'vocabulary-reserved',
          );
        }
        const saved = await service.vocabularies.save({
          name: slug,
          labels: labels.map((label) => ({ label })),
        });
        return view(saved, false);
      },
      'vocabularies.import': async ({ name, text }) => {
        const result = await service.vocabularies.importText(
          text,
          guessFormat(text),
          vocabularyNameFrom(name),
          {
            replace: true,
          },
        );
        return view(result.vocabulary, false);
      },
      'tagging.autoTag': async ({ folder, vocabularyId, threshold, anyway }) => {
        // A clear error now rather than in the background: an unknown vocabulary, or one the model
        // cannot score (the UI has shown the warning and asks before sending `anyway`).
        const warning = await service.vocabularyWarning(vocabularyId);
        if (warning && !anyway) throw new UserError(warning, 'vocabulary-unfit');
        const runId = randomUUID();
        let last = { total: 0, done: 0, tagsAdded: 0 };
        hub.emit('taggingProgress', { runId, phase: 'running', ...last });
        const run = service
          .tagFolder(folder, {
            runId,
            vocabulary: vocabularyId,
            ...(threshold === undefined ? {} : { scoring: { minProbability: threshold } }),
            onProgress: (p) => {
              last = { total: p.total, done: p.done, tagsAdded: p.tagsAdded };
              hub.emit('taggingProgress', { runId, phase: 'running', ...last });
            },
          })
          .then((summary) => {
            hub.emit('taggingProgress', {
              runId,
              phase: 'done',
              total: summary.photos,
              done: summary.photos,
              tagsAdded: summary.suggested,
              ...(summary.missingVectors > 0
                ? {
                    message: `${summary.missingVectors} photos are still being indexed and were not tagged yet.`,
                  }
                : {}),
            });
          })
          .catch((e) => {
            log('auto-tagging failed', e);
            hub.emit('taggingProgress', { runId, phase: 'error', ...last, message: describeError(e) });
          })
          .finally(() => runs.delete(run));
        runs.add(run);
        return { runId };
      },
      'tagging.lastRun': async () => (await service.lastRun()) ?? null,
      'tagging.undo': async ({ runId }) => {
        const {
          runId: id,
          vocabulary,
          startedAt,
          photos,
          suggested,
          removed,
          restored,
        } = await service.undoRun(runId);
        return { runId: id, vocabulary, startedAt, photos, suggested, removed, restored };
      },
    },
    async close() {
      detach();
      await Promise.allSettled([...runs]);
      await service.whenIdle().catch(() => undefined);
    },
  };
}
