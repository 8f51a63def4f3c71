import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ActiveAdapterSource } from '../adapters/active-adapter.js';
import type { ClipEngine } from '../engine/types.js';
import { UserError } from '../errors.js';
import type { Library } from '../library/library.js';
import type { Photo, SearchOptions, SearchQuery, SearchResponse } from '../library/types.js';
import { namesAColour } from '../models/demo-words.js';
import { explainNoResults, hasFilters } from './no-results.js';
import type { NoResultsReason } from './no-results-reason.js';
import { createSearchModelChooser } from './search-model.js';
import { createSearcher, type Searcher } from './searcher.js';
import { createTimeline, type Timeline } from './timeline.js';

// Search as the rest of Lookbook uses it: text, image and combined queries, "more like this", and the
// photo list (every photo, newest first). Built by the composition root over the library, the active
// adapter (applied to the model it was trained on), tagging's tag filter and the albums' album filter.

export interface ListPhotosOptions {
  folder?: string;
  offset?: number;
  limit?: number;
}

/** A search's answer; when it found nothing, why (see no-results.ts), in the order worth reading. */
export interface ExplainedSearchResponse extends SearchResponse {
  emptyReasons?: NoResultsReason[];
}

export interface PhotoSearch {
  search(query: SearchQuery | string, options?: SearchOptions): Promise<ExplainedSearchResponse>;
  /** Photos like a library photo (content id or path, itself excluded) or an image file / bytes. */
  similar(target: string | Buffer, options?: SearchOptions): Promise<ExplainedSearchResponse>;
  listPhotos(options?: ListPhotosOptions): Promise<{ total: number; items: Photo[] }>;
  /** The Photos view: months with their counts, and each month's photos (timeline.ts). */
  timeline: Timeline;
  /** The model whose vectors search uses now (the previous one while the active model's are incomplete). */
  modelKey(): Promise<string>;
  /** The query's embedding (for tests and tools): the same vector search() uses. */
  queryVector: Searcher['queryVector'];
  /** Closes the engines opened for other models. */
  close(): Promise<void>;
}

export interface PhotoSearchDeps {
  library: Pick<
    Library,
    'dataDir' | 'store' | 'engine' | 'generation' | 'contentIdOf' | 'imageInput' | 'status'
  >;
  adapter: ActiveAdapterSource;
  /** Content ids carrying all these tags. */
  contentIdsWithTags(tags: string[]): Promise<Set<string>>;
  /** Content ids in an album (the album filter). */
  contentIdsInAlbum(albumId: string): Promise<Set<string>>;
  /** An engine for another model's vectors, by the spec that produced them. */
  engineFor(spec: string): Promise<ClipEngine>;
}

export function createPhotoSearch(deps: PhotoSearchDeps): PhotoSearch {
  const { library, adapter } = deps;
  const models = createSearchModelChooser({
    dataDir: library.dataDir,
    store: library.store,
    engine: library.engine,
    engineFor: deps.engineFor,
  });
  // A new adapter changes every score: cached samples are refreshed as after new photos.
  let adapterChanges = 0;
  const unsubscribe = adapter.onChange(() => adapterChanges++);
  const searcher = createSearcher({
    store: library.store,
    searchModel: models.choose,
    contentIdsWithTags: deps.contentIdsWithTags,
    contentIdsInAlbum: deps.contentIdsInAlbum,
    // An adapter belongs to the model it was trained on: not applied while search falls back to another.
    vectorTransform: (key) => (key === adapter.modelId ? adapter.current()?.transform : undefined),
    generation: () => library.generation() + adapterChanges,
    resolveContentId: (idOrPath) => library.contentIdOf(idOrPath),
  });

  const timeline = createTimeline({ store: library.store, contentIdsWithTags: deps.contentIdsWithTags });

  /** Whether the model a search used is the demo model, with no adapter that may have taught it words. */
  async function modelKnowsOnlyColours(key: string): Promise<boolean> {
    // The active engine's, in the usual case; the other model's only while search falls back to it.
    const engine = key === library.engine.model.id ? library.engine : (await models.choose()).engine;
    return engine.model.isDemo && !(key === adapter.modelId && adapter.current());
  }

  /**
   * Runs a search and, when it finds nothing, says why: the same search without its filters tells
   * whether the filters left everything out.
   */
  async function explained(
    query: SearchQuery | string,
    opts: SearchOptions & { exclude?: string[] },
  ): Promise<ExplainedSearchResponse> {
    const q = typeof query === 'string' ? { text: query } : query;
    const found = await searcher.search(query, opts);
    const knowsOnlyColours = await modelKnowsOnlyColours(found.model);
    // A text with no colour in it means nothing to such a model: its "matches" would be noise, so there
    // are none (unless every photo was asked for, ranked: --all).
    const meaningless =
      knowsOnlyColours &&
      !opts.all &&
      q.image === undefined &&
      !q.similarTo &&
      !q.similarToMany?.length &&
      Boolean(q.text?.trim()) &&
      !namesAColour(q.text!);
    const response: SearchResponse = meaningless ? { ...found, total: 0, items: [], cutoff: null } : found;
    if (response.total > 0) return response;
    const emptyReasons = await explainNoResults({
      status: await library.status(),
      queryText: q.text,
      modelKnowsOnlyColours: knowsOnlyColours,
      unfilteredTotal:
        hasFilters(opts) && !meaningless
          ? async () =>
              (
                await searcher.search(query, {
                  ...opts,
                  folder: undefined,
                  after: undefined,
                  before: undefined,
                  formats: undefined,
                  tags: undefined,
                  album: undefined,
                  offset: 0,
                  limit: 1,
                })
              ).total
          : undefined,
    });
    return emptyReasons.length > 0 ? { ...response, emptyReasons } : response;
  }

  return {
    search: (query, opts = {}) => explained(query, opts),
    timeline,
    async similar(target, opts = {}) {
      if (Buffer.isBuffer(target)) return explained({ image: target }, opts);
      const abs = resolve(target);
      const id = await library.contentIdOf(target);
      if (id) return explained({ similarTo: id }, { ...opts, exclude: [id] });
      if (!existsSync(abs))
        throw new UserError(`${abs} is neither a library photo nor an image file`, 'photo-not-found');
      return explained({ image: await library.imageInput(abs) }, opts);
    },
    async listPhotos(opts = {}) {
      const result = await searcher.search('', {
        folder: opts.folder,
        offset: opts.offset ?? 0,
        limit: opts.limit ?? 100,
        sort: 'date-desc',
      });
      return { total: result.total, items: result.items.map(({ score: _score, ...photo }) => photo) };
    },
    modelKey: async () => (await models.choose()).key,
    queryVector: (query) => searcher.queryVector(query),
    async close() {
      unsubscribe();
      await models.close();
    },
  };
}
