import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ActiveAdapterSource } from '../adapters/active-adapter.js';
import type { ClipEngine } from '../engine/types.js';
import { UserError } from '../errors.js';
import type { Library } from '../library/library.js';
import type { Photo, SearchOptions, SearchQuery, SearchResponse } from '../library/types.js';
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

export interface PhotoSearch {
  search(query: SearchQuery | string, options?: SearchOptions): Promise<SearchResponse>;
  /** Photos like a library photo (content id or path, itself excluded) or an image file / bytes. */
  similar(target: string | Buffer, options?: SearchOptions): Promise<SearchResponse>;
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
  library: Pick<Library, 'dataDir' | 'store' | 'engine' | 'generation' | 'contentIdOf' | 'imageInput'>;
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

  return {
    search: (query, opts) => searcher.search(query, opts),
    timeline,
    async similar(target, opts = {}) {
      if (Buffer.isBuffer(target)) return searcher.search({ image: target }, opts);
      const abs = resolve(target);
      const id = await library.contentIdOf(target);
      if (id) return searcher.search({ similarTo: id }, { ...opts, exclude: [id] });
      if (!existsSync(abs))
        throw new UserError(`${abs} is neither a library photo nor an image file`, 'photo-not-found');
      return searcher.search({ image: await library.imageInput(abs) }, opts);
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
