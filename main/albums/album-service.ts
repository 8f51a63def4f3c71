import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { UserError } from '../errors.js';
import type { Library } from '../library/library.js';
import { photoFromPaths } from '../library/photos.js';
import type { Photo } from '../library/types.js';
import { filterOptions, type PhotoFilters } from '../search/filters.js';
import type { PhotoSearch } from '../search/photo-search.js';
import { parseDate } from '../search/searcher.js';
import type { AlbumKind, AlbumRecord, AlbumsTable } from '../store/library-store.js';
import { copyOriginals, prepareDestination, type ExportResult } from './album-export.js';

// Albums: manual ones (photos a person put in, in their order) and smart ones (a saved query that search
// answers anew each time, so they follow the library with no action). Both hold photo CONTENTS, as tags
// do: a photo renamed, moved or re-indexed stays in its albums. A photo whose file is gone is not shown
// or counted, but its place is kept: it is back when the file is (an unplugged drive).

/** A smart album's saved query: words and/or a photo to look like, and filters (the API's SmartQuery). */
export interface SmartAlbumQuery {
  query?: string;
  /** A library photo's content id (a path or short id is resolved when the album is saved). */
  similarTo?: string;
  filters?: PhotoFilters;
}

export interface Album {
  id: string;
  name: string;
  kind: AlbumKind;
  /** Photos in it now (a smart album: what its query matches now). */
  count: number;
  /** The user's cover if it is still in the album, else the first photo; null when empty. */
  cover: Photo | null;
  smart?: SmartAlbumQuery;
  createdAt: string;
  updatedAt: string;
}

export interface AlbumPage {
  total: number;
  offset: number;
  /** In album order (a smart album: its query's order, best first; score set for a query). */
  items: Array<Photo & { score?: number | null }>;
}

export interface AlbumService {
  list(): Promise<Album[]>;
  /** An album by id or by name (any case); a clear error when there is none. */
  get(ref: string): Promise<Album>;
  /** A manual album with these photos (content ids or library paths), or a smart album. */
  create(name: string, options?: { photos?: readonly string[]; smart?: SmartAlbumQuery }): Promise<Album>;
  rename(ref: string, name: string): Promise<Album>;
  /** Deletes the album; its photos stay in the library. Returns the albums left. */
  delete(ref: string): Promise<Album[]>;
  add(ref: string, photos: readonly string[]): Promise<Album>;
  remove(ref: string, photos: readonly string[]): Promise<Album>;
  setCover(ref: string, photo: string): Promise<Album>;
  /** Moves these photos, in this order, so that the first of them is at `index` of the album's photos. */
  move(ref: string, photos: readonly string[], index: number): Promise<Album>;
  photos(ref: string, page?: { offset?: number; limit?: number }): Promise<AlbumPage>;
  /** The content ids in an album now: the search filter `album`. */
  contentIds(ref: string): Promise<Set<string>>;
  /** Copies the album's originals into `destination`; nothing there is overwritten. */
  export(ref: string, destination: string): Promise<ExportResult>;
}

export interface AlbumServiceDeps {
  library: Pick<Library, 'store' | 'contentIdOf' | 'listFolders'>;
  search: Pick<PhotoSearch, 'search'>;
}

export const MAX_NAME_LENGTH = 100;
/** How many photos a smart album's search may return: more than any page, all a filter needs. */
const SMART_ALL = 1_000_000;

/** The name as stored (trimmed), or a clear error. Slashes and emoji are fine: a name is not a path. */
export function albumName(name: string): string {
  const trimmed = name.normalize('NFC').trim();
  if (trimmed === '') throw new UserError('An album needs a name.', 'invalid-album-name');
  // Characters as a person counts them (an emoji is one), not UTF-16 units.
  if ([...trimmed].length > MAX_NAME_LENGTH)
    throw new UserError(
      `That album name is too long (${[...trimmed].length} characters; at most ${MAX_NAME_LENGTH}).`,
      'invalid-album-name',
    );
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(trimmed))
    throw new UserError('An album name must be one line of text.', 'invalid-album-name');
  return trimmed;
}

/** What names are unique by: "Summer" and "summer" are one album. */
const nameKey = (name: string) => name.toLocaleLowerCase('en');

export function createAlbumService(deps: AlbumServiceDeps): AlbumService {
  const { library, search } = deps;
  const store = library.store;
  let opened: Promise<AlbumsTable> | undefined;
  const table = () => {
    opened ??= store.openAlbumsTable();
    opened.catch(() => (opened = undefined));
    return opened;
  };
  // Album changes are read-modify-write (an album's order, a name's uniqueness): one at a time.
  let writing: Promise<unknown> = Promise.resolve();
  function exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = writing.then(fn, fn);
    writing = run.catch(() => undefined);
    return run;
  }

  async function find(ref: string): Promise<AlbumRecord> {
    const t = await table();
    const album = (await t.getAlbum(ref)) ?? (await t.albumWithNameKey(nameKey(ref.normalize('NFC').trim())));
    if (!album) throw new UserError(`There is no album '${ref}'.`, 'album-not-found');
    return album;
  }

  async function assertNameFree(name: string, except?: string): Promise<void> {
    const other = await (await table()).albumWithNameKey(nameKey(name));
    if (other && other.id !== except)
      throw new UserError(`There is already an album named '${other.name}'.`, 'album-exists');
  }

  /** Content ids for photos named by id or path; every one must be in the library, or nothing is done. */
  async function photoIds(refs: readonly string[]): Promise<string[]> {
    const live = await store.indexedPaths();
    const ids: string[] = [];
    for (const ref of refs) {
      const id = await library.contentIdOf(ref);
      if (!id || !live.has(id)) {
        const named = /^[0-9a-f]{8,64}$/i.test(ref) ? ref : resolve(ref);
        throw new UserError(`${named} is not a photo in the library.`, 'photo-not-found');
      }
      ids.push(id);
    }
    return [...new Set(ids)];
  }

  const smartOf = (album: AlbumRecord): SmartAlbumQuery =>
    album.smartQuery ? (JSON.parse(album.smartQuery) as SmartAlbumQuery) : {};

  /** A page of a smart album: its query (relevance order), or its filters alone (newest first). */
  async function smartPage(query: SmartAlbumQuery, offset: number, limit: number): Promise<AlbumPage> {
    const options = { ...filterOptions(query.filters), offset, limit };
    const response =
      query.query || query.similarTo
        ? await search.search(
            {
              ...(query.query ? { text: query.query } : {}),
              ...(query.similarTo ? { similarTo: query.similarTo } : {}),
            },
            options,
          )
        : await search.search('', { ...options, sort: 'date-desc' });
    return { total: response.total, offset, items: response.items };
  }

  /** A manual album's photos that are in the library now, in album order. */
  async function liveItems(album: AlbumRecord): Promise<string[]> {
    const [ids, live] = await Promise.all([(await table()).itemsOf(album.id), store.indexedPaths()]);
    return ids.filter((id) => live.has(id));
  }

  async function photosOf(ids: readonly string[]): Promise<Photo[]> {
    const live = await store.indexedPaths();
    const contents = new Map((await store.getContents(ids)).map((c) => [c.contentId, c]));
    const out: Photo[] = [];
    for (const id of ids) {
      const content = contents.get(id);
      const paths = live.get(id);
      if (content && paths?.length) out.push(photoFromPaths(content, paths));
    }
    return out;
  }

  async function page(album: AlbumRecord, offset: number, limit: number): Promise<AlbumPage> {
    if (album.kind === 'smart') return smartPage(smartOf(album), offset, limit);
    const ids = await liveItems(album);
    return { total: ids.length, offset, items: await photosOf(ids.slice(offset, offset + limit)) };
  }

  async function contentIdsOf(album: AlbumRecord): Promise<Set<string>> {
    if (album.kind === 'manual') return new Set(await liveItems(album));
    const all = await smartPage(smartOf(album), 0, SMART_ALL);
    return new Set(all.items.map((p) => p.contentId));
  }

  async function view(album: AlbumRecord): Promise<Album> {
    let count = 0;
    let cover: Photo | null = null;
    if (album.kind === 'manual') {
      const ids = await liveItems(album);
      count = ids.length;
      const coverId = album.cover && ids.includes(album.cover) ? album.cover : ids[0];
      cover = coverId ? ((await photosOf([coverId]))[0] ?? null) : null;
    } else {
      try {
        const first = await smartPage(smartOf(album), 0, 1);
        count = first.total;
        const chosen = album.cover ? (await photosOf([album.cover]))[0] : undefined;
        cover = chosen ?? first.items[0] ?? null;
      } catch (e) {
        // A query that no longer runs (its photo left the library) shows an empty album, not an error.
        if (!(e instanceof UserError)) throw e;
      }
    }
    return {
      id: album.id,
      name: album.name,
      kind: album.kind,
      count,
      cover,
      ...(album.kind === 'smart' ? { smart: smartOf(album) } : {}),
      createdAt: new Date(album.createdAt).toISOString(),
      updatedAt: new Date(album.updatedAt).toISOString(),
    };
  }

  /** The query as saved: trimmed, the photo by content id, dates checked; run once so errors show now. */
  async function checkedSmartQuery(q: SmartAlbumQuery): Promise<SmartAlbumQuery> {
    const out: SmartAlbumQuery = {};
    if (q.query?.trim()) out.query = q.query.trim();
    if (q.similarTo) out.similarTo = (await photoIds([q.similarTo]))[0]!;
    const f = q.filters ?? {};
    if (f.album)
      throw new UserError('A smart album cannot be limited to another album.', 'invalid-smart-album');
    parseDate(f.from, 'from');
    parseDate(f.to, 'to');
    const filters: PhotoFilters = {};
    if (f.folder) filters.folder = resolve(f.folder);
    if (f.from) filters.from = f.from;
    if (f.to) filters.to = f.to;
    if (f.tags?.length) filters.tags = [...f.tags];
    if (f.formats?.length) filters.formats = f.formats.map((x) => x.toLowerCase().replace(/^\./, ''));
    if (Object.keys(filters).length > 0) out.filters = filters;
    if (!out.query && !out.similarTo && !out.filters)
      throw new UserError(
        'A smart album needs something to look for: words, a photo, or a filter (dates, tags, formats, a folder).',
        'invalid-smart-album',
      );
    await smartPage(out, 0, 1);
    return out;
  }

  async function changed(album: AlbumRecord, change: Partial<AlbumRecord>): Promise<Album> {
    const next = { ...album, ...change, updatedAt: Date.now() };
    await (await table()).upsertAlbum(next, nameKey(next.name));
    return view(next);
  }

  function manual(album: AlbumRecord, what: string): void {
    if (album.kind === 'smart')
      throw new UserError(
        `'${album.name}' is a smart album: its photos are what its search finds, so they cannot be ${what} by hand.`,
        'smart-album',
      );
  }

  return {
    async list() {
      const albums = await (await table()).listAlbums();
      albums.sort(
        (a, b) => a.name.localeCompare(b.name, 'en', { sensitivity: 'base' }) || a.createdAt - b.createdAt,
      );
      return Promise.all(albums.map(view));
    },
    async get(ref) {
      return view(await find(ref));
    },
    create: (rawName, options = {}) =>
      exclusive(async () => {
        const name = albumName(rawName);
        await assertNameFree(name);
        if (options.smart && options.photos?.length)
          throw new UserError(
            'A smart album finds its own photos: give a search or photos, not both.',
            'invalid-smart-album',
          );
        const smart = options.smart ? await checkedSmartQuery(options.smart) : undefined;
        const ids = options.photos ? await photoIds(options.photos) : [];
        const now = Date.now();
        const album: AlbumRecord = {
          id: randomUUID(),
          name,
          kind: smart ? 'smart' : 'manual',
          smartQuery: smart ? JSON.stringify(smart) : null,
          cover: null,
          createdAt: now,
          updatedAt: now,
        };
        const t = await table();
        // Photos before the album: a crash in between leaves rows no album shows, never a half album.
        if (ids.length) await t.setItems(album.id, ids);
        await t.upsertAlbum(album, nameKey(name));
        return view(album);
      }),
    rename: (ref, rawName) =>
      exclusive(async () => {
        const album = await find(ref);
        const name = albumName(rawName);
        await assertNameFree(name, album.id);
        return changed(album, { name });
      }),
    delete: (ref) =>
      exclusive(async () => {
        const album = await find(ref);
        await (await table()).deleteAlbum(album.id);
        const albums = await (await table()).listAlbums();
        return Promise.all(albums.map(view));
      }),
    add: (ref, photos) =>
      exclusive(async () => {
        const album = await find(ref);
        manual(album, 'added');
        const ids = await photoIds(photos);
        const t = await table();
        const current = await t.itemsOf(album.id);
        const have = new Set(current);
        await t.setItems(album.id, [...current, ...ids.filter((id) => !have.has(id))]);
        return changed(album, {});
      }),
    remove: (ref, photos) =>
      exclusive(async () => {
        const album = await find(ref);
        manual(album, 'removed');
        const t = await table();
        const current = await t.itemsOf(album.id);
        const gone = new Set<string>();
        for (const p of photos) {
          // A photo whose file has left the library can still be taken out of the album.
          const id = (await library.contentIdOf(p)) ?? p;
          gone.add(id);
        }
        await t.setItems(
          album.id,
          current.filter((id) => !gone.has(id)),
        );
        return changed(album, album.cover && gone.has(album.cover) ? { cover: null } : {});
      }),
    setCover: (ref, photo) =>
      exclusive(async () => {
        const album = await find(ref);
        const [id] = await photoIds([photo]);
        if (!(await contentIdsOf(album)).has(id!))
          throw new UserError(
            `That photo is not in '${album.name}': the cover is one of its photos.`,
            'not-in-album',
          );
        return changed(album, { cover: id! });
      }),
    move: (ref, photos, index) =>
      exclusive(async () => {
        const album = await find(ref);
        manual(album, 'reordered');
        const moving = await photoIds(photos);
        const t = await table();
        const current = await t.itemsOf(album.id);
        const inAlbum = new Set(current);
        const missing = moving.find((id) => !inAlbum.has(id));
        if (missing)
          throw new UserError(`A photo to move is not in '${album.name}' (${missing}).`, 'not-in-album');
        const moved = new Set(moving);
        const rest = current.filter((id) => !moved.has(id));
        // `index` counts the photos a person sees (those in the library now).
        const live = await store.indexedPaths();
        const anchor = rest.filter((id) => live.has(id))[Math.max(0, index)];
        const at = anchor === undefined ? rest.length : rest.indexOf(anchor);
        await t.setItems(album.id, [...rest.slice(0, at), ...moving, ...rest.slice(at)]);
        return changed(album, {});
      }),
    async photos(ref, { offset = 0, limit = 100 } = {}) {
      return page(await find(ref), Math.max(0, offset), Math.max(0, limit));
    },
    async contentIds(ref) {
      return contentIdsOf(await find(ref));
    },
    async export(ref, destination) {
      const album = await find(ref);
      const folders = (await library.listFolders()).map((f) => f.path);
      const dest = await prepareDestination(destination, folders);
      const all = await page(album, 0, SMART_ALL);
      return copyOriginals(
        all.items.map((p) => ({ contentId: p.contentId, path: p.path })),
        dest,
      );
    },
  };
}
