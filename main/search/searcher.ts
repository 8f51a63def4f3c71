import { UserError } from '../errors.js';
import type { ClipEngine } from '../engine/types.js';
import type { LibraryStore, VectorHit } from '../store/library-store.js';
import type {
  SearchOptions,
  SearchQuery,
  SearchResponse,
  SearchResult,
  VectorTransform,
} from '../library/types.js';
import { GENERIC_PROMPT, isFlat, relevanceThreshold, scoreStats, type CutoffStats } from './cutoff.js';
import { combine, dot, parseQuery } from './query-text.js';
import { isUnder } from '../paths.js';
import { photoFromPaths } from '../library/photos.js';
import { DECODERS, photoFormatNamed } from '../media/formats.js';

// Text, image and combined queries over one model's vectors, with filters, the adaptive cut-off, sorting
// and paging. Works on content ids (identical copies are one result) and joins paths and metadata last.

export interface SearcherDeps {
  store: LibraryStore;
  /** The model search uses (its vectors are complete) and its engine, for embedding queries. */
  searchModel(): Promise<{ key: string; engine: ClipEngine }>;
  /** The tag filter: content ids carrying all these tags (tagging provides it). */
  contentIdsWithTags(tags: string[]): Promise<Set<string>>;
  /** The album filter: the content ids in an album (the album service provides it). */
  contentIdsInAlbum(albumId: string): Promise<Set<string>>;
  /** The fine-tuned adapter for this model's vectors: undefined when none is active. */
  vectorTransform(modelKey: string): VectorTransform | undefined;
  /** Bumped by every write to the vectors, so cached samples are refreshed. */
  generation(): number;
  /** Content id for a content id or a library path. */
  resolveContentId(idOrPath: string): Promise<string | undefined>;
}

export const DEFAULT_LIMIT = 50;
/** Candidates fetched from the vector index before the cut-off, joins and sorting. */
export const MAX_CANDIDATES = 2000;
/** Extra candidates an `all` page fetches past its end (see search). */
const TIE_MARGIN = 16;
/** Candidates a relevance-ordered search fetches first (widened to MAX_CANDIDATES when all are kept). */
export const FIRST_CANDIDATES = 500;
/** Candidates re-scored exactly when an image-side adapter is active (relevance order). */
export const RESCORED_CANDIDATES = 300;
/**
 * Vectors sampled to measure a query's score distribution (all of them in libraries up to this size).
 * The cut-off uses the median and the MAD, whose standard errors at 2,000 samples are ~3% of the spread:
 * plenty, and scoring the sample is the largest cost of a query after the model and the index.
 */
export const SAMPLE_SIZE = 2000;

export function parseDate(value: string | number | undefined, what: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value === 'number') return value;
  const ms = Date.parse(value);
  if (Number.isNaN(ms))
    throw new UserError(`${what}: '${value}' is not a date (try 2024-07-31)`, 'invalid-date');
  return ms;
}

/** Format names or extensions as people type them ('jpg', 'TIF') → the formats the store records. */
export function canonicalFormats(names: string[] | undefined): string[] | undefined {
  if (!names || names.length === 0) return names;
  return [
    ...new Set(
      names.map((name) => {
        const format = photoFormatNamed(name);
        if (!format)
          throw new UserError(
            `unknown format '${name}' (one of ${Object.keys(DECODERS).sort().join(', ')}, or an extension such as jpg)`,
            'invalid-format',
          );
        return format;
      }),
    ),
  ];
}

export interface Searcher {
  search(
    query: SearchQuery | string,
    options?: SearchOptions & { exclude?: string[] },
  ): Promise<SearchResponse>;
  /** The query's embedding (for tests and tools): the same vector search() uses. */
  queryVector(query: SearchQuery): Promise<{ key: string; vector: Float32Array }>;
}

export function createSearcher(deps: SearcherDeps): Searcher {
  let sampleCache:
    | { key: string; generation: number; vectors: Float32Array[]; matrix: Float32Array; dim: number }
    | undefined;

  function imageTransformed(key: string, vs: Float32Array[]): Float32Array[] {
    const t = deps.vectorTransform(key);
    if (t?.images) return vs.length ? t.images(vs) : [];
    if (t?.image) return vs.map((v) => t.image!(v));
    return vs;
  }

  async function loadSample(key: string): Promise<NonNullable<typeof sampleCache>> {
    const generation = deps.generation();
    if (sampleCache && sampleCache.key === key && sampleCache.generation === generation) return sampleCache;
    const rows = await deps.store.scanVectors(key, SAMPLE_SIZE);
    const vectors = imageTransformed(
      key,
      rows.map((r) => r.vector),
    );
    // One contiguous matrix: scoring the sample runs on every search.
    const dim = vectors[0]?.length ?? 0;
    const matrix = new Float32Array(vectors.length * dim);
    vectors.forEach((v, i) => matrix.set(v, i * dim));
    sampleCache = { key, generation, vectors, matrix, dim };
    return sampleCache;
  }

  /** The query's score against every sampled vector. */
  async function sampleScores(key: string, query: Float32Array): Promise<Float64Array> {
    const { matrix, dim } = await loadSample(key);
    const n = dim > 0 ? matrix.length / dim : 0;
    const out = new Float64Array(n);
    if (query.length !== dim) {
      // A sample of another width cannot be scored (the dot would read past each row): fall back.
      (await loadSample(key)).vectors.forEach((v, i) => (out[i] = dot(query, v)));
      return out;
    }
    for (let i = 0, base = 0; i < n; i++, base += dim) {
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let j = 0;
      for (; j + 3 < dim; j += 4) {
        s0 += query[j]! * matrix[base + j]!;
        s1 += query[j + 1]! * matrix[base + j + 1]!;
        s2 += query[j + 2]! * matrix[base + j + 2]!;
        s3 += query[j + 3]! * matrix[base + j + 3]!;
      }
      for (; j < dim; j++) s0 += query[j]! * matrix[base + j]!;
      out[i] = s0 + s1 + s2 + s3;
    }
    return out;
  }

  async function queryVector(query: SearchQuery): Promise<{ key: string; vector: Float32Array }> {
    const { key, engine } = await deps.searchModel();
    const transform = deps.vectorTransform(key);
    const parts: { vector: Float32Array; weight: number }[] = [];
    if (query.text && query.text.trim()) {
      const parsed = parseQuery(query.text);
      const texts = [...(parsed.base ? [parsed.base] : []), ...parsed.plus, ...parsed.minus];
      const weights = [
        ...(parsed.base ? [1] : []),
        ...parsed.plus.map(() => 1),
        ...parsed.minus.map(() => -1),
      ];
      if (texts.length === 0) throw new UserError(`the query '${query.text}' has no words`, 'empty-query');
      const vectors = await engine.embedTexts(texts);
      vectors.forEach((v, i) =>
        parts.push({ vector: transform?.query ? transform.query(v) : v, weight: weights[i]! }),
      );
    }
    if (query.image !== undefined) {
      const [v] = await engine.embedImages([query.image]);
      parts.push({ vector: imageTransformed(key, [v!])[0]!, weight: 1 });
    }
    if (query.similarTo) {
      const id = await deps.resolveContentId(query.similarTo);
      if (!id) throw new UserError(`'${query.similarTo}' is not a photo in the library`, 'photo-not-found');
      const v = (await deps.store.getVectors(key, [id])).get(id);
      if (!v)
        throw new UserError(`'${query.similarTo}' is not indexed yet with this model`, 'photo-not-indexed');
      parts.push({ vector: imageTransformed(key, [v])[0]!, weight: 1 });
    }
    if (query.similarToMany?.length) {
      const ids = await resolveAll(query.similarToMany);
      const found = await deps.store.getVectors(key, ids);
      // Photos not indexed with this model yet add nothing; the others still say what to look for.
      const vectors = imageTransformed(
        key,
        ids.filter((id) => found.has(id)).map((id) => found.get(id)!),
      );
      if (vectors.length === 0)
        throw new UserError('None of these photos is indexed yet with this model.', 'photo-not-indexed');
      // The mean direction of the photos (each normalized first, so none outweighs the others).
      parts.push({ vector: combine(vectors.map((vector) => ({ vector, weight: 1 }))), weight: 1 });
    }
    if (parts.length === 0) throw new UserError('nothing to search for', 'empty-query');
    return { key, vector: combine(parts) };
  }

  /** Content ids of library photos (ids or paths); none of them in the library is an error. */
  async function resolveAll(refs: readonly string[]): Promise<string[]> {
    const ids = new Set<string>();
    for (const ref of refs) {
      const id = await deps.resolveContentId(ref);
      if (id) ids.add(id);
    }
    if (ids.size === 0)
      throw new UserError('None of these photos is in the library any more.', 'photo-not-found');
    return [...ids];
  }

  async function allowedContentIds(options: SearchOptions): Promise<Set<string> | undefined> {
    const sets: Set<string>[] = [];
    if (options.folder) sets.push(await deps.store.contentIdsUnder(options.folder));
    const byMeta = await deps.store.contentIdsMatching({
      after: parseDate(options.after, 'after'),
      before: parseDate(options.before, 'before'),
      formats: canonicalFormats(options.formats),
    });
    if (byMeta) sets.push(byMeta);
    if (options.tags && options.tags.length > 0) {
      sets.push(await deps.contentIdsWithTags(options.tags));
    }
    if (options.album) sets.push(await deps.contentIdsInAlbum(options.album));
    if (sets.length === 0) return undefined;
    sets.sort((a, b) => a.size - b.size);
    const [first, ...rest] = sets;
    return new Set([...first!].filter((id) => rest.every((s) => s.has(id))));
  }

  async function join(
    scored: { contentId: string; score: number | null }[],
    folder: string | undefined,
  ): Promise<SearchResult[]> {
    const indexed = await deps.store.indexedPaths();
    const contents = new Map(
      (await deps.store.getContents(scored.map((s) => s.contentId))).map((c) => [c.contentId, c]),
    );
    const out: SearchResult[] = [];
    for (const s of scored) {
      const c = contents.get(s.contentId);
      const all = indexed.get(s.contentId);
      const paths = folder ? all?.filter((p) => isUnder(p, folder)) : all;
      // A content no file refers to any more (moved away, deleted, not yet collected) is not a result.
      if (!c || !paths || paths.length === 0) continue;
      out.push({ ...photoFromPaths(c, paths), score: s.score });
    }
    return out;
  }

  function sortResults(results: SearchResult[], sort: SearchOptions['sort']): void {
    const date = (r: SearchResult) => (r.takenAt ? Date.parse(r.takenAt) : 0);
    if (sort === 'date' || sort === 'date-desc')
      results.sort((a, b) => date(b) - date(a) || a.path.localeCompare(b.path));
    else if (sort === 'date-asc') results.sort((a, b) => date(a) - date(b) || a.path.localeCompare(b.path));
    else results.sort((a, b) => (b.score ?? 0) - (a.score ?? 0) || a.path.localeCompare(b.path));
  }

  async function browse(options: SearchOptions): Promise<SearchResponse> {
    const { key } = await deps.searchModel();
    const offset = options.offset ?? 0;
    const limit = options.limit ?? DEFAULT_LIMIT;
    const allowed = await allowedContentIds(options);
    const files = options.folder ? await deps.store.filesUnder(options.folder) : await deps.store.allFiles();
    const ids = [
      ...new Set(files.filter((f) => f.status === 'indexed' && f.contentId).map((f) => f.contentId!)),
    ].filter((id) => !allowed || allowed.has(id));
    const results = await join(
      ids.map((contentId) => ({ contentId, score: null })),
      options.folder,
    );
    sortResults(results, options.sort === 'relevance' || !options.sort ? 'date-desc' : options.sort);
    return {
      total: results.length,
      offset,
      items: results.slice(offset, offset + limit),
      model: key,
      cutoff: null,
    };
  }

  async function search(
    queryOrText: SearchQuery | string,
    options: SearchOptions & { exclude?: string[] } = {},
  ): Promise<SearchResponse> {
    const query = typeof queryOrText === 'string' ? { text: queryOrText } : queryOrText;
    const offset = Math.max(0, options.offset ?? 0);
    const limit = Math.max(0, options.limit ?? DEFAULT_LIMIT);
    if (!query.text?.trim() && query.image === undefined && !query.similarTo && !query.similarToMany?.length)
      return browse({ ...options, offset, limit });

    const { key, vector } = await queryVector(query);
    const allowed = await allowedContentIds(options);
    const exclude = new Set<string>();
    for (const e of options.exclude ?? []) {
      const id = await deps.resolveContentId(e);
      if (id) exclude.add(id);
    }
    // "More like these": the photos asked about are not results. Ranked first, they would push the
    // new finds down the page and read as if the search had found nothing else.
    for (const id of query.similarToMany?.length ? await resolveAll(query.similarToMany) : [])
      exclude.add(id);
    const transform = deps.vectorTransform(key);
    const sorted = Boolean(options.sort && options.sort !== 'relevance');
    const total = allowed ? allowed.size : await deps.store.countVectors(key);
    // `all` pages fetch what the page needs and a margin: results of equal score at the edge of a fetch
    // come back in no set order, so the margin lets the page see the whole tie and order it by path.
    const wide =
      options.all && !sorted
        ? offset + limit + exclude.size + TIE_MARGIN
        : Math.max(MAX_CANDIDATES, options.all ? total : 0);
    const imageSide = Boolean(transform?.image || transform?.images);
    // A relevance-ordered page needs the best candidates only, and the cut-off usually keeps fewer than
    // FIRST_CANDIDATES: the search widens to all MAX_CANDIDATES only when it keeps every one of them.
    // (Candidates cost time twice: the ANN re-ranking reads each one's vector.)
    const narrow =
      sorted || options.all || imageSide
        ? wide
        : Math.min(wide, Math.max(FIRST_CANDIDATES, offset + limit + exclude.size));

    let hits: VectorHit[] = [];
    let cutoff: number | null = null;
    let stats: CutoffStats | undefined;
    for (let want = narrow; ; want = wide) {
      const fetching = candidates(key, vector, want, allowed, options, exclude.size);
      // Scoring the sample (a few ms of JavaScript) runs while LanceDB searches on its own threads.
      stats ??= options.all ? undefined : scoreStats(await sampleScores(key, vector));
      const fetched = await fetching;
      hits = fetched.hits.filter((h) => !exclude.has(h.contentId));
      cutoff = null;
      if (stats && hits.length > 0) {
        const kept = await applyCutoff(key, vector, hits, allowed, exclude, stats);
        cutoff = kept.cutoff;
        if (want < wide && fetched.raw >= want && kept.hits.length === hits.length) continue;
        hits = kept.hits;
      }
      break;
    }

    // Only photos that an indexed file still refers to are results (a content whose files were moved
    // away or deleted lingers until it is collected).
    const live = await deps.store.indexedPaths();
    hits = hits.filter((h) => live.has(h.contentId));
    const count = (n: number) => (options.all && !sorted ? Math.max(total - exclude.size, n) : n);
    if (sorted) {
      // Date order needs every kept result's date: join them all.
      const results = await join(hits, options.folder);
      sortResults(results, options.sort);
      return {
        total: count(results.length),
        offset,
        items: results.slice(offset, offset + limit),
        model: key,
        cutoff,
      };
    }
    // Relevance order: join only the page. Results of equal score are ordered by path, so the page is
    // widened over ties at its edges before the join, and cut back after sorting.
    hits.sort((a, b) => b.score - a.score);
    let start = Math.min(offset, hits.length);
    let end = Math.min(offset + limit, hits.length);
    while (start > 0 && start < hits.length && hits[start - 1]!.score === hits[start]!.score) start--;
    while (end > start && end < hits.length && hits[end]!.score === hits[end - 1]!.score) end++;
    const page = await join(hits.slice(start, end), options.folder);
    sortResults(page, options.sort);
    // A content row missing from the join (written after its file row, mid-index) is not a result.
    const missing = end - start - page.length;
    return {
      total: count(hits.length - missing),
      offset,
      items: page.slice(offset - start, offset - start + limit),
      model: key,
      cutoff,
    };
  }

  /**
   * The `want` nearest candidates (with an image-side adapter, re-scored exactly), best first; `raw` is
   * how many the vector search returned, to tell a short library from a full fetch.
   */
  async function candidates(
    key: string,
    vector: Float32Array,
    want: number,
    allowed: Set<string> | undefined,
    options: SearchOptions,
    excluded: number,
  ): Promise<{ hits: VectorHit[]; raw: number }> {
    const transform = deps.vectorTransform(key);
    const sorted = options.sort && options.sort !== 'relevance';
    const offset = Math.max(0, options.offset ?? 0);
    const limit = Math.max(0, options.limit ?? DEFAULT_LIMIT);
    const imageSide = Boolean(transform?.image || transform?.images);
    // With an image-side adapter the raw index is searched with the folded query (it ranks by the
    // adapted geometry up to each photo's norm), and only the best candidates are re-scored exactly:
    // re-scoring costs a d×d product per photo, ~0.17 ms at d = 512.
    const probe = imageSide && transform?.foldQuery ? transform.foldQuery(vector) : vector;
    let hits = await deps.store.nearestVectors(key, probe, { limit: want, contentIds: allowed });
    const raw = hits.length;
    if (imageSide && hits.length > 0) {
      if (!sorted && transform?.foldQuery) {
        hits = hits.slice(0, Math.max(RESCORED_CANDIDATES, offset + limit + excluded));
      }
      const vectors = await deps.store.getVectors(
        key,
        hits.map((h) => h.contentId),
      );
      const present = hits.filter((h) => vectors.has(h.contentId));
      const mapped = imageTransformed(
        key,
        present.map((h) => vectors.get(h.contentId)!),
      );
      hits = present
        .map((h, i) => ({ contentId: h.contentId, score: dot(vector, mapped[i]!) }))
        .sort((a, b) => b.score - a.score);
    }
    return { hits, raw };
  }

  /** The adaptive cut-off (cutoff.ts) over candidates sorted best first: the kept ones and the threshold. */
  async function applyCutoff(
    key: string,
    vector: Float32Array,
    hits: VectorHit[],
    allowed: Set<string> | undefined,
    exclude: Set<string>,
    stats: CutoffStats,
  ): Promise<{ hits: VectorHit[]; cutoff: number }> {
    // The top score of the whole library, not of the filtered subset: a filter must not make a poor
    // match look relevant just because it is the best of what remains.
    let top = hits[0]!.score;
    if (allowed) {
      const best = (await deps.store.nearestVectors(key, vector, { limit: 1 + exclude.size })).filter(
        (h) => !exclude.has(h.contentId),
      );
      if (best[0]) top = Math.max(top, best[0].score);
    }
    let cutoff = relevanceThreshold(stats, top);
    if (isFlat(stats, top)) {
      const { engine } = await deps.searchModel();
      const [generic] = await engine.embedTexts([GENERIC_PROMPT]);
      const t = deps.vectorTransform(key)?.query;
      const g = t ? t(generic!) : generic!;
      const floor = (await sampleScores(key, g)).reduce((a, b) => Math.max(a, b), -Infinity);
      // Everything or nothing: the flat set is either above what "a photo" reaches, or it is not.
      if (top <= floor) cutoff = Number.POSITIVE_INFINITY;
    }
    const c = cutoff;
    return { hits: hits.filter((h) => h.score >= c - 1e-6), cutoff: Number.isFinite(cutoff) ? cutoff : top };
  }

  return { search, queryVector };
}
