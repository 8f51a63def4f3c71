import { sep } from 'node:path';

/**
 * Whether `path` is `folder` or inside it. Both must be absolute and normalised (path.resolve): a plain
 * startsWith would take /photos-old for a part of /photos.
 */
export function isUnder(path: string, folder: string): boolean {
  return path === folder || path.startsWith(folder.endsWith(sep) ? folder : folder + sep);
}
