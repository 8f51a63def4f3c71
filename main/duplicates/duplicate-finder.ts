import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { UserError } from '../errors.js';
import type { Library } from '../library/library.js';
import { isUnder } from '../paths.js';
import type { ContentRow, FileRow } from '../store/library-store.js';
import { writeFileAtomic } from '../temp-files.js';
import { keeperReason, rankForKeeping } from './keeper-rules.js';
import { differenceHash, hammingDistance } from './picture-hash.js';
import { similarPairs } from './similar-pairs.js';

// Finds groups of duplicates in the library and proposes which copy of each to keep.
//
// Two kinds of group:
//  - 'exact': one content (the same bytes) at several paths. The store already knows them: the indexed
//    paths by content id, read in bulk.
//  - 'similar': different files whose pictures are near copies (resized, re-compressed, cropped, rotated,
//    lightly edited). Candidates come from the embeddings (similar-pairs.ts: a random-projection index
//    over the model's vectors, not a comparison of every pair); each candidate pair must be within the
//    cosine threshold AND within the picture-hash threshold of the thumbnails (picture-hash.ts), which
//    separates distinct photos of the same colours that the embeddings confuse.
//
// Grouping without chains: pairs join groups strongest first, and two groups merge only when every photo
// of the smaller one is within the thresholds (embeddings and picture hash) of the larger one's first
// photo (its seed) and the result stays within MAX_GROUP photos. Plain transitive grouping would let a
// slow pan or a burst of a hundred frames become one group whose ends share nothing; with a seed every
// member is a near copy of one photo.
//
// Groups are cached until the library changes (its generation and the store's indexed paths), so the
// Duplicates view's pages and a resolve right after a listing do not search again.

export type DuplicateStrictness = 'strict' | 'normal' | 'loose';

/**
 * The thresholds of each strictness: the embeddings' cosine similarity (at least) and the thumbnails'
 * picture-hash distance (at most, of 64 bits). Measured on generated near copies (tests/duplicates/
 * duplicate-finder.test.ts prints the figures): half size, JPEG quality 60, WebP, a 5% crop, a 90°
 * rotation by EXIF orientation, 10% brighter; against distinct photos of the same colours. There, with
 * the demo model and with a random-weight ViT-B/32, near copies scored cosine ≥ 0.985 and differed by
 * at most 12 hash bits (the 5% crop), distinct photos of one colour by at least 19 bits while their
 * cosine reached 0.9997: the embeddings propose, the hash decides. Normal: pair precision and recall 1.
 */
export const THRESHOLDS: Record<DuplicateStrictness, { cosine: number; hashBits: number }> = {
  strict: { cosine: 0.95, hashBits: 8 },
  normal: { cosine: 0.9, hashBits: 14 },
  loose: { cosine: 0.85, hashBits: 18 },
};

/** The most photos one similar group holds (see the note above on chains). */
export const MAX_GROUP = 50;

export interface FindOptions {
  /** Only copies under this folder (absolute, or relative to the working directory). */
  folder?: string;
  /** Only photos of this album (name or id). */
  album?: string;
  strictness?: DuplicateStrictness;
  /** A cosine similarity (0..1) instead of a strictness; the picture-hash threshold stays 'normal'. */
  threshold?: number;
}

/** One copy of a group: one file, with what the keeper rules look at and what the store knows of it. */
export interface FoundCopy {
  path: string;
  contentId: string;
  /** Size and modification time as the store recorded them: resolve checks the file still matches. */
  size: number;
  mtimeMs: number;
  width: number | null;
  height: number | null;
  format: string | null;
  /** Milliseconds; the EXIF date when hasExifDate, else the file's time. */
  takenAt: number | null;
  hasExifDate: boolean;
  hasGps: boolean;
  hasCamera: boolean;
  /** Cosine similarity to the keeper's picture (1 for an identical copy); null for the keeper. */
  similarity: number | null;
}

export interface FoundGroup {
  /** A hash of the group's files (content id and path of each): it changes when the group does. */
  id: string;
  kind: 'exact' | 'similar';
  /** The keeper first, then the others (best first by the rules). */
  copies: FoundCopy[];
  keeperPath: string;
  keeperContentId: string;
  reason: string;
  /** Whether the keeper is the user's choice (duplicates.keep), not the rules'. */
  chosenByUser: boolean;
  /** Bytes freed when every copy but the keeper goes to the trash. */
  savingBytes: number;
}

export interface DuplicateFinder {
  /** Every group in scope, largest saving first. */
  find(options?: FindOptions): Promise<FoundGroup[]>;
  /** A group of the last search with these options (by default, the whole library), or undefined. */
  getGroup(id: string, options?: FindOptions): Promise<FoundGroup | undefined>;
  /** Keeps `photo` (a path or, in a similar group, a content id) in this group instead of the rules' choice. */
  keep(groupId: string, photo: string, options?: FindOptions): Promise<FoundGroup>;
}

export interface DuplicateFinderDeps {
  library: Pick<Library, 'store' | 'dataDir' | 'generation' | 'thumbnailPath'>;
  /** The model whose vectors to compare (search's choice). */
  modelKey(): Promise<string>;
  /** The content ids of an album (the album service answers). */
  albumContentIds(ref: string): Promise<Set<string>>;
}

/** Where the user's keeper choices are kept: group id → path. */
export const KEEPERS_FILE = 'duplicate-keepers.json';

export function createDuplicateFinder(deps: DuplicateFinderDeps): DuplicateFinder {
  const { library } = deps;
  const store = library.store;
  const keepersFile = join(library.dataDir, KEEPERS_FILE);
  /** Picture hashes by content id: a content never changes, so they stay valid while the process runs. */
  const hashes = new Map<string, Promise<bigint | undefined>>();
  let cache: { key: string; paths: unknown; groups: Promise<FoundGroup[]> } | undefined;

  const hashOf = (contentId: string) => {
    let h = hashes.get(contentId);
    if (!h) {
      const thumb = library.thumbnailPath(contentId);
      h = thumb ? differenceHash(thumb).catch(() => undefined) : Promise.resolve(undefined);
      hashes.set(contentId, h);
    }
    return h;
  };

  async function readKeepers(): Promise<Record<string, string>> {
    try {
      const parsed = JSON.parse(await readFile(keepersFile, 'utf8')) as unknown;
      return parsed && typeof parsed === 'object' ? (parsed as Record<string, string>) : {};
    } catch {
      return {};
    }
  }

  async function compute(options: FindOptions, modelKey: string): Promise<FoundGroup[]> {
    const { cosine, hashBits } = thresholdsOf(options);
    const folder = options.folder ? resolve(options.folder) : undefined;
    const album = options.album ? await deps.albumContentIds(options.album) : undefined;
    const indexed = await store.indexedPaths();

    // The paths in scope, by content id.
    const inScope = new Map<string, string[]>();
    for (const [contentId, paths] of indexed) {
      if (album && !album.has(contentId)) continue;
      const kept = folder ? paths.filter((p) => isUnder(p, folder)) : [...paths];
      if (kept.length > 0) inScope.set(contentId, kept.sort());
    }

    const raw: Array<{
      kind: 'exact' | 'similar';
      members: Array<{ contentId: string; path: string; similarity: number | null }>;
    }> = [];
    for (const [contentId, paths] of inScope) {
      if (paths.length > 1)
        raw.push({ kind: 'exact', members: paths.map((path) => ({ contentId, path, similarity: 1 })) });
    }

    // Near copies: candidate pairs from the embeddings, confirmed by the picture hash where there is one.
    const vectors = (await store.scanVectors(modelKey)).filter((v) => inScope.has(v.contentId));
    const pairs = similarPairs(
      vectors.map((v) => v.vector),
      cosine,
    );
    const confirmed: typeof pairs = [];
    const hashByIndex = new Map<number, bigint | undefined>();
    for (const pair of pairs) {
      for (const i of [pair.a, pair.b])
        if (!hashByIndex.has(i)) hashByIndex.set(i, await hashOf(vectors[i]!.contentId));
    }
    // Without a thumbnail (not made yet) the embeddings decide alone.
    const hashesAlike = (a: number, b: number) => {
      const ha = hashByIndex.get(a);
      const hb = hashByIndex.get(b);
      return ha === undefined || hb === undefined || hammingDistance(ha, hb) <= hashBits;
    };
    for (const pair of pairs) if (hashesAlike(pair.a, pair.b)) confirmed.push(pair);
    const alike = (a: number, b: number) =>
      dot(vectors[a]!.vector, vectors[b]!.vector) >= cosine && hashesAlike(a, b);
    for (const members of groupPairs(confirmed, alike)) {
      raw.push({
        kind: 'similar',
        members: members.map((i) => ({
          contentId: vectors[i]!.contentId,
          path: inScope.get(vectors[i]!.contentId)![0]!,
          similarity: null,
        })),
      });
    }

    // What the rules need: the files' sizes and times, the contents' sizes, formats and metadata.
    const allPaths = raw.flatMap((g) => g.members.map((m) => m.path));
    const files = new Map<string, FileRow>();
    for (const f of await store.getFiles(allPaths)) files.set(f.path, f);
    const contents = new Map<string, ContentRow>();
    for (const c of await store.getContents([
      ...new Set(raw.flatMap((g) => g.members.map((m) => m.contentId))),
    ]))
      contents.set(c.contentId, c);
    const vectorOf = new Map(vectors.map((v) => [v.contentId, v.vector]));
    const keepers = await readKeepers();

    const groups: FoundGroup[] = [];
    for (const g of raw) {
      const copies: FoundCopy[] = [];
      for (const m of g.members) {
        const f = files.get(m.path);
        const c = contents.get(m.contentId);
        if (!f || !c) continue; // gone since the indexed paths were read
        copies.push({
          path: m.path,
          contentId: m.contentId,
          size: f.size,
          mtimeMs: f.mtimeMs,
          width: c.width,
          height: c.height,
          format: c.format,
          takenAt: c.takenAt,
          hasExifDate: c.takenAtSource === 'exif',
          hasGps: c.latitude !== null && c.longitude !== null,
          hasCamera: Boolean(c.cameraMake || c.cameraModel),
          similarity: null,
        });
      }
      if (copies.length < 2) continue;
      const id = groupId(g.kind, copies);
      const group = arrange(g.kind, id, copies, keepers[id], vectorOf);
      groups.push(group);
    }
    groups.sort((a, b) => b.savingBytes - a.savingBytes || (a.id < b.id ? -1 : 1));
    return groups;
  }

  async function find(options: FindOptions = {}): Promise<FoundGroup[]> {
    const modelKey = await deps.modelKey();
    const paths = await store.indexedPaths();
    const key = JSON.stringify([
      library.generation(),
      modelKey,
      options.folder ? resolve(options.folder) : null,
      options.album ?? null,
      thresholdsOf(options),
    ]);
    if (!cache || cache.key !== key || cache.paths !== paths) {
      const groups = compute(options, modelKey);
      cache = { key, paths, groups };
      // A failed search is not kept: the next call tries again.
      groups.catch(() => {
        if (cache?.groups === groups) cache = undefined;
      });
    }
    return cache.groups;
  }

  return {
    find,
    async getGroup(id, options) {
      return (await find(options)).find((g) => g.id === id);
    },
    async keep(id, photo, options) {
      const group = (await find(options)).find((g) => g.id === id);
      if (!group)
        throw new UserError(
          `no group of duplicates "${id}" (the library changed since it was listed?)`,
          'duplicate-group-not-found',
        );
      const wanted = resolve(photo);
      const copy =
        group.copies.find((c) => c.path === photo || c.path === wanted) ??
        (group.kind === 'similar'
          ? group.copies.find((c) => c.contentId === photo.toLowerCase())
          : undefined);
      if (!copy) throw new UserError(`"${photo}" is not a copy in this group`, 'not-in-group');
      const keepers = await readKeepers();
      keepers[id] = copy.path;
      await writeFileAtomic(keepersFile, JSON.stringify(keepers, null, 2));
      const updated = rearrange(group, copy.path);
      // The cached list holds the new choice too.
      if (cache) {
        const list = await cache.groups;
        const i = list.findIndex((g) => g.id === id);
        if (i >= 0) list[i] = updated;
      }
      return updated;
    },
  };
}

function thresholdsOf(options: FindOptions): { cosine: number; hashBits: number } {
  if (options.threshold !== undefined) {
    if (!(options.threshold > 0 && options.threshold <= 1))
      throw new UserError(
        'the threshold is a similarity between 0 and 1 (or strict, normal, loose)',
        'bad-threshold',
      );
    return { cosine: options.threshold, hashBits: THRESHOLDS.normal.hashBits };
  }
  return THRESHOLDS[options.strictness ?? 'normal'];
}

function groupId(kind: string, copies: readonly FoundCopy[]): string {
  const parts = copies.map((c) => `${c.contentId}\0${c.path}`).sort();
  return createHash('sha256').update(kind).update('\n').update(parts.join('\n')).digest('hex').slice(0, 16);
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** Orders a group's copies (keeper first) and fills in the reason, the similarities and the saving. */
function arrange(
  kind: 'exact' | 'similar',
  id: string,
  copies: FoundCopy[],
  chosenPath: string | undefined,
  vectorOf: ReadonlyMap<string, Float32Array>,
): FoundGroup {
  const ranked = rankForKeeping(copies);
  const chosen = chosenPath ? ranked.find((c) => c.path === chosenPath) : undefined;
  const keeper = chosen ?? ranked[0]!;
  const others = ranked.filter((c) => c !== keeper);
  const kv = vectorOf.get(keeper.contentId);
  for (const c of others) {
    const v = vectorOf.get(c.contentId);
    c.similarity =
      c.contentId === keeper.contentId ? 1 : kv && v ? Math.round(dot(kv, v) * 1000) / 1000 : null;
  }
  keeper.similarity = null;
  return {
    id,
    kind,
    copies: [keeper, ...others],
    keeperPath: keeper.path,
    keeperContentId: keeper.contentId,
    reason: keeperReason(keeper, others, {
      chosenByUser: Boolean(chosen) && chosen !== ranked[0],
      identical: kind === 'exact',
    }),
    chosenByUser: Boolean(chosen) && chosen !== ranked[0],
    savingBytes: others.reduce((s, c) => s + c.size, 0),
  };
}

/** The group with another keeper (the user's choice); similarities stay relative to the rules' keeper's picture. */
function rearrange(group: FoundGroup, keeperPath: string): FoundGroup {
  const keeper = group.copies.find((c) => c.path === keeperPath)!;
  const others = rankForKeeping(group.copies.filter((c) => c !== keeper));
  const byRules = rankForKeeping(group.copies)[0]!;
  const chosenByUser = byRules.path !== keeperPath;
  return {
    ...group,
    copies: [keeper, ...others],
    keeperPath: keeper.path,
    keeperContentId: keeper.contentId,
    reason: keeperReason(keeper, others, { chosenByUser, identical: group.kind === 'exact' }),
    chosenByUser,
    savingBytes: others.reduce((s, c) => s + c.size, 0),
  };
}

/**
 * Groups confirmed pairs, strongest first, under the seed rule (see the note at the top; `alike` is the
 * pair test: embeddings and picture hash): returns each group of two or more as indexes.
 */
export function groupPairs(
  pairs: ReadonlyArray<{ a: number; b: number; similarity: number }>,
  alike: (a: number, b: number) => boolean,
): number[][] {
  const groupOf = new Map<number, number[]>();
  const sorted = [...pairs].sort((x, y) => y.similarity - x.similarity);
  for (const { a, b } of sorted) {
    const ga = groupOf.get(a) ?? [a];
    const gb = groupOf.get(b) ?? [b];
    if (ga === gb) continue;
    if (ga.length + gb.length > MAX_GROUP) continue;
    const [large, small] = ga.length >= gb.length ? [ga, gb] : [gb, ga];
    if (!small.every((i) => alike(large[0]!, i))) continue;
    large.push(...small);
    for (const i of large) groupOf.set(i, large);
  }
  return [...new Set(groupOf.values())].filter((g) => g.length > 1);
}
