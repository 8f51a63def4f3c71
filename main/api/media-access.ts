// [Note: media access] Which files the UI may read: thumbnails the library made and photos the library
// indexed, nothing else. The web server (/media/…) and Electron's custom protocol (lookbook-media://)
// both go through resolveMedia, so the rule lives in one place.
//
// Requests name a photo by its id and a thumbnail by its content id, never by path; ids are checked
// against a strict pattern (no '/', '..', '%', NUL), and the file's real path (symlinks resolved) must
// still lie inside a watched folder (photos) or the thumbnail folder (thumbnails). A symlink inside a
// watched folder that points elsewhere is refused.
import { realpath, stat } from 'node:fs/promises';
import { browserImageType } from '../media/formats.js';
import { isUnder } from '../paths.js';
import { MEDIA_ROUTES } from './types.js';

export interface MediaSource {
  /** The indexed file for a photo id, or null when the library has no such photo. */
  photoPath(id: string): Promise<string | null>;
  /** The thumbnail file for a content id; undefined when there is none. */
  thumbnailPath(contentId: string): string | undefined | Promise<string | undefined>;
  /** The folder all thumbnails live in. */
  thumbnailsDir(): string;
  /** The watched folders (absolute). */
  libraryFolders(): Promise<string[]>;
}

export interface ResolvedMedia {
  path: string;
  contentType: string;
  size: number;
}

const ID = /^[A-Za-z0-9_-]{1,200}$/;

async function realFile(path: string): Promise<{ real: string; size: number } | null> {
  try {
    const real = await realpath(path);
    const s = await stat(real);
    if (!s.isFile()) return null;
    return { real, size: s.size };
  } catch {
    return null;
  }
}

async function realDirs(dirs: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const d of dirs) {
    try {
      out.push(await realpath(d));
    } catch {
      // A folder that is gone serves nothing.
    }
  }
  return out;
}

/**
 * Resolves a media route ('/thumb/<contentId>' or '/photo/<photoId>', already URL-decoded once by the
 * caller or not — both are handled) to a file the UI may read, or null (refused or missing: the caller
 * answers 404 either way, so a probe learns nothing about what exists).
 */
export async function resolveMedia(source: MediaSource, route: string): Promise<ResolvedMedia | null> {
  let kind: 'thumb' | 'photo';
  let rawId: string;
  if (route.startsWith(MEDIA_ROUTES.thumbnail)) {
    kind = 'thumb';
    rawId = route.slice(MEDIA_ROUTES.thumbnail.length);
  } else if (route.startsWith(MEDIA_ROUTES.photo)) {
    kind = 'photo';
    rawId = route.slice(MEDIA_ROUTES.photo.length);
  } else {
    return null;
  }
  // Only plain ids: anything with an encoded or literal separator, dot or NUL is refused outright.
  if (!ID.test(rawId)) return null;

  if (kind === 'thumb') {
    const [dir] = await realDirs([source.thumbnailsDir()]);
    if (!dir) return null;
    const thumb = await source.thumbnailPath(rawId);
    if (!thumb) return null;
    const file = await realFile(thumb);
    if (!file || !isUnder(file.real, dir)) return null;
    return {
      path: file.real,
      // Thumbnails are WebP files (main/library/indexer.ts names them).
      contentType: browserImageType(file.real) ?? 'image/webp',
      size: file.size,
    };
  }

  const indexed = await source.photoPath(rawId);
  if (!indexed) return null;
  const file = await realFile(indexed);
  if (!file) return null;
  const folders = await realDirs(await source.libraryFolders());
  if (!folders.some((f) => isUnder(file.real, f))) return null;
  const type = browserImageType(file.real);
  // Formats a browser cannot show (HEIC, RAW, TIFF…) are not sent raw; the caller shows the thumbnail.
  if (!type) return null;
  return { path: file.real, contentType: type, size: file.size };
}
