import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { describeError, UserError } from '../errors.js';
import type { ContentRow, FileRow, LibraryStore } from '../store/library-store.js';
import { thumbnailFile } from './indexer.js';
import type { Photo } from './types.js';

// Finding a library photo by what a user types or a view holds: a content id, the start of one, or the
// path of an indexed file; and what the views show of it (metadata, thumbnail, paths of its copies).

export function photoFromRows(content: ContentRow, files: FileRow[]): Photo {
  return photoFromPaths(
    content,
    files.map((f) => f.path),
  );
}

export function photoFromPaths(content: ContentRow, unsortedPaths: readonly string[]): Photo {
  const paths = [...unsortedPaths].sort();
  return {
    contentId: content.contentId,
    path: paths[0] ?? '',
    paths,
    width: content.width,
    height: content.height,
    takenAt: content.takenAt !== null ? new Date(content.takenAt).toISOString() : null,
    takenAtSource: content.takenAtSource,
    cameraMake: content.cameraMake,
    cameraModel: content.cameraModel,
    latitude: content.latitude,
    longitude: content.longitude,
    format: content.format,
    sizeBytes: content.size,
    thumbnail: content.thumbnail,
  };
}

/** Photos named by a person or a view, as content ids, and the ones that could not be found. */
export interface ResolvedPhotos {
  /** Distinct, in the order first named. */
  contentIds: string[];
  failures: Array<{ path: string; reason: string }>;
}

export interface PhotoLookup {
  /**
   * The photo a user names: a content id, the start of one (at least 8 hex digits, as `pairs list`
   * prints them; git-style, it must be unique), or the path of an indexed library file.
   */
  contentIdOf(ref: string): Promise<string | undefined>;
  /** A photo by content id, the start of one (8+ hex digits, unique) or the path of a library file. */
  getPhoto(contentIdOrPath: string): Promise<Photo | undefined>;
  /**
   * Many photos by content id at once (one read of their contents, the indexed paths from the store's
   * cache): for pages of a list. Ids no indexed file holds any more are absent from the map.
   */
  photosOf(contentIds: readonly string[]): Promise<Map<string, Photo>>;
  thumbnailPath(contentId: string): string | undefined;
  /**
   * The thumbnail, made now from one of the photo's files when this computer has none: a library
   * whose tables are shared was indexed on another computer, and each keeps its own thumbnails (see
   * the README, "A library shared by several computers"). Undefined when no file of it can be read here.
   */
  thumbnailOnDemand(contentId: string): Promise<string | undefined>;
  /**
   * Many photos (content ids, paths, id prefixes) as content ids, without failing on the ones that left
   * the library: a view's selection of 100,000 ids is checked against the store's cached index, not
   * looked up with one query each.
   */
  resolvePhotos(refs: readonly string[]): Promise<ResolvedPhotos>;
  /**
   * Where a content's thumbnail goes, whether or not it exists: fine-tuning makes the thumbnails of
   * dataset pictures (not library photos, so the indexer does not) for the Fine-tuning view's list.
   */
  thumbnailTarget(contentId: string): string;
}

export function createPhotoLookup(
  store: LibraryStore,
  thumbnailsDir: string,
  makeThumbnail: (path: string, outPath: string) => Promise<void>,
): PhotoLookup {
  // One making per content at a time: a page of the grid asks for each thumbnail once, but a scroll
  // back and forth may ask again before the first is written.
  const making = new Map<string, Promise<string | undefined>>();
  async function makeFromAFile(contentId: string, target: string): Promise<string | undefined> {
    const files = (await store.filesForContents([contentId])).filter((f) => f.status === 'indexed');
    for (const file of files) {
      try {
        await makeThumbnail(file.path, target); // written under a temporary name, then renamed
        return target;
      } catch {
        // This copy is not reachable from here (another computer's folder, a drive not mounted): the
        // next one may be.
      }
    }
    return undefined;
  }
  async function contentIdOf(ref: string): Promise<string | undefined> {
    if (/^[0-9a-f]{64}$/i.test(ref)) return ref.toLowerCase();
    const row = await store.getFile(resolve(ref));
    if (row?.status === 'indexed' && row.contentId) return row.contentId;
    if (!/^[0-9a-f]{8,63}$/i.test(ref)) return undefined;
    const ids = await store.contentIdsStartingWith(ref.toLowerCase(), 2);
    if (ids.length > 1)
      throw new UserError(`'${ref}' is the start of more than one photo id: give more of it`, 'ambiguous-id');
    return ids[0];
  }
  return {
    contentIdOf,
    async getPhoto(contentIdOrPath) {
      const id = await contentIdOf(contentIdOrPath);
      if (!id) return undefined;
      const [content] = await store.getContents([id]);
      const files = (await store.filesForContents([id])).filter((f) => f.status === 'indexed');
      if (!content || files.length === 0) return undefined;
      return photoFromRows(content, files);
    },
    async photosOf(contentIds) {
      const indexed = await store.indexedPaths();
      const live = contentIds.filter((id) => indexed.has(id));
      const out = new Map<string, Photo>();
      for (const content of await store.getContents(live))
        out.set(content.contentId, photoFromPaths(content, indexed.get(content.contentId)!));
      return out;
    },
    async resolvePhotos(refs) {
      const indexed = await store.indexedPaths();
      const ids = new Set<string>();
      const failures: ResolvedPhotos['failures'] = [];
      for (const ref of refs) {
        // A view's ids are full content ids (one map look-up); paths and prefixes, typed by a person,
        // are looked up one by one.
        let id: string | undefined;
        try {
          id = /^[0-9a-f]{64}$/.test(ref) ? ref : await contentIdOf(ref);
        } catch (e) {
          failures.push({ path: ref, reason: describeError(e) }); // an ambiguous id prefix
          continue;
        }
        if (id && indexed.has(id)) ids.add(id);
        else failures.push({ path: ref, reason: 'This photo is not in the library (any more).' });
      }
      return { contentIds: [...ids], failures };
    },
    thumbnailTarget: (contentId) => thumbnailFile(thumbnailsDir, contentId.toLowerCase()),
    thumbnailPath(contentId) {
      if (!/^[0-9a-f]{64}$/i.test(contentId)) return undefined;
      const p = thumbnailFile(thumbnailsDir, contentId.toLowerCase());
      return existsSync(p) ? p : undefined;
    },
    thumbnailOnDemand(contentId) {
      if (!/^[0-9a-f]{64}$/i.test(contentId)) return Promise.resolve(undefined);
      const id = contentId.toLowerCase();
      const target = thumbnailFile(thumbnailsDir, id);
      if (existsSync(target)) return Promise.resolve(target);
      let pending = making.get(id);
      if (!pending) {
        pending = makeFromAFile(id, target).finally(() => making.delete(id));
        making.set(id, pending);
      }
      return pending;
    },
  };
}
