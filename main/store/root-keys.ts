import { sep } from 'node:path';
import { isUnder } from '../paths.js';
import { inList, sqlString, underFolder } from './sql.js';

// [Note: roots] One library, many machines: a shared library's photo folder is mounted at
// /Volumes/Photos on a Mac, P:\ on Windows, /mnt/photos on Linux. So the files table does not store a
// file's absolute path: it stores the folder's *root id* and the path inside it, `@3f9a1c2b/2024/img.jpg`
// (`/` between names on every system), and each machine maps root ids to its own folders (its folder
// list in settings.json, main/library/folders.ts). Everything above the store keeps using this
// machine's absolute paths: the files table translates rows in and out, and every filter built on a path,
// here (files-table.ts).
//
// A row whose root is not mapped on this machine is invisible: not listed, not counted, and so never
// taken for a file that is gone (a machine that has not mapped a root must not delete another's rows).
// A row that no root holds keeps its absolute path, as every row did before roots: a library written by
// an earlier version is moved onto roots once, when it is opened (roots-table.ts adoptLegacyRows).

/** What starts a stored path that names a root; an absolute path never starts with it. */
const ROOT_MARK = '@';
/** Root ids: 8 hex digits, short enough to type in `lookbook roots map`. */
export const ROOT_ID = /^[0-9a-f]{8}$/;

/** The root ids mapped on this machine, each to its local folder (absolute, resolved). */
export type RootPaths = ReadonlyMap<string, string>;

/** The stored form of a root's folder itself: also the `folder` column of every row under the root. */
export function rootKey(rootId: string): string {
  return ROOT_MARK + rootId;
}

/** The mapped root holding an absolute path (the innermost one, should two be nested), if any. */
function rootOf(path: string, roots: RootPaths): { id: string; local: string } | undefined {
  let best: { id: string; local: string } | undefined;
  for (const [id, local] of roots)
    if (isUnder(path, local) && (!best || local.length > best.local.length)) best = { id, local };
  return best;
}

/** How an absolute path is stored: relative to its root when one holds it, else unchanged. */
export function toStored(path: string, roots: RootPaths): string {
  const root = rootOf(path, roots);
  if (!root) return path;
  if (path === root.local) return rootKey(root.id);
  const inside = path.slice(root.local.endsWith(sep) ? root.local.length : root.local.length + 1);
  return `${rootKey(root.id)}/${sep === '/' ? inside : inside.split(sep).join('/')}`;
}

/** This machine's absolute path for a stored one; undefined when its root is not mapped here. */
export function fromStored(stored: string, roots: RootPaths): string | undefined {
  if (!stored.startsWith(ROOT_MARK)) return stored;
  const slash = stored.indexOf('/');
  const local = roots.get(slash < 0 ? stored.slice(1) : stored.slice(1, slash));
  if (local === undefined || slash < 0) return local;
  const inside = stored.slice(slash + 1);
  return (local.endsWith(sep) ? local : local + sep) + (sep === '/' ? inside : inside.split('/').join(sep));
}

/** The root id of a stored path, or undefined for a path stored absolute. */
export function rootIdOf(stored: string): string | undefined {
  if (!stored.startsWith(ROOT_MARK)) return undefined;
  const slash = stored.indexOf('/');
  return slash < 0 ? stored.slice(1) : stored.slice(1, slash);
}

/**
 * The filter matching the rows under an absolute folder, whichever way they are stored: inside a root
 * (`@id/sub…`), rows of roots mapped inside the folder, and rows stored absolute.
 */
export function storedUnder(column: string, folder: string, roots: RootPaths): string {
  const parts = [underFolder(column, folder)];
  const inRoot = rootOf(folder, roots);
  if (inRoot) parts.push(storedPrefix(column, toStored(folder, roots)));
  for (const [id, local] of roots)
    if (local !== folder && isUnder(local, folder) && id !== inRoot?.id)
      parts.push(storedPrefix(column, rootKey(id)));
  return parts.length === 1 ? parts[0]! : `(${parts.join(' OR ')})`;
}

/** Rows stored at `key` or under it (`/` between names, whatever the system). */
export function storedPrefix(column: string, key: string): string {
  return `(${column} = ${sqlString(key)} OR starts_with(${column}, ${sqlString(key + '/')}))`;
}

/** The filter keeping only the rows this machine can see: stored absolute, or under a root mapped here. */
export function visibleRows(roots: RootPaths): string {
  const mapped = [...roots.keys()].map(rootKey);
  const absolute = `NOT starts_with(folder, ${sqlString(ROOT_MARK)})`;
  return mapped.length === 0 ? absolute : `(${absolute} OR ${inList('folder', mapped)})`;
}
