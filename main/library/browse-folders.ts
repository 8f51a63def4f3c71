// The folder browser of the web mode: a browser page cannot hand over a folder's path (its file picker
// gives file contents, never where they are), so the core lists folders for the app to show. Electron
// keeps its native dialog.
//
// Only folders are listed, never files; hidden folders only on request; the system's own folders
// (main/library/system-folders.ts) are neither listed nor opened, the same rule as for adding. Places
// to start: the home folder, its Pictures folder, and the drives that are mounted (/media, /mnt,
// /run/media/<user>, /Volumes on macOS, drive letters on Windows).
import { existsSync, promises as fsp, statSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { basename, dirname, join, parse } from 'node:path';
import { UserError } from '../errors.js';
import { absoluteUserPath, missingPathError } from '../user-path.js';
import { systemFolderReason } from './system-folders.js';

export interface BrowsedFolder {
  name: string;
  path: string;
}

export interface FolderListing {
  /** The folder listed (absolute). */
  path: string;
  /** The folder above, or null at the top (a drive's root, or a system folder above). */
  parent: string | null;
  folders: BrowsedFolder[];
  /** More sub-folders than are listed (a folder with thousands of them). */
  truncated: boolean;
  /** Where to start: the home folder and the mounted drives. */
  places: Array<{ label: string; path: string }>;
}

/** Enough for any folder a person scrolls through; beyond it, typing the path is quicker. */
const MAX_LISTED = 2_000;

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Sub-folders of `dir` that are drives (skipping hidden ones), or none when it cannot be read. */
async function drivesIn(dir: string): Promise<string[]> {
  try {
    const names = await fsp.readdir(dir);
    return names
      .filter((n) => !n.startsWith('.'))
      .map((n) => join(dir, n))
      .filter(isFolder);
  } catch {
    return [];
  }
}

/** The home folder, Pictures, and each mounted drive, in that order; each at most once. */
export async function startingPlaces(): Promise<Array<{ label: string; path: string }>> {
  const home = homedir();
  const places = [{ label: 'Home folder', path: home }];
  const pictures = join(home, 'Pictures');
  if (isFolder(pictures)) places.push({ label: 'Pictures', path: pictures });
  if (process.platform === 'win32') {
    for (const letter of 'CDEFGHIJKLMNOPQRSTUVWXYZ') {
      const root = `${letter}:\\`;
      if (existsSync(root)) places.push({ label: `Drive ${letter}:`, path: root });
    }
    return places;
  }
  let user = process.env.USER ?? '';
  try {
    user = userInfo().username;
  } catch {
    // No user name (a container without passwd): the per-user mount folders are skipped.
  }
  const mountRoots =
    process.platform === 'darwin'
      ? ['/Volumes']
      : ['/media', ...(user ? [join('/media', user), join('/run/media', user)] : []), '/mnt'];
  const seen = new Set(places.map((p) => p.path));
  for (const root of mountRoots) {
    for (const drive of await drivesIn(root)) {
      // /media/<user> is where the drives are, not a drive itself.
      if (seen.has(drive) || (user && drive === join('/media', user))) continue;
      // /Volumes/Macintosh HD is the system disk, already reachable through the home folder.
      if (process.platform === 'darwin' && (await fsp.realpath(drive).catch(() => drive)) === '/') continue;
      seen.add(drive);
      places.push({ label: basename(drive), path: drive });
    }
  }
  return places;
}

/** The sub-folders of `path` (the home folder when none is given), and the places to start from. */
export async function browseFolders(
  path: string | undefined,
  options: { showHidden?: boolean } = {},
): Promise<FolderListing> {
  const abs = path === undefined ? homedir() : absoluteUserPath(path);
  let info;
  try {
    info = await fsp.stat(abs);
  } catch {
    throw missingPathError(abs, 'folder-not-found');
  }
  if (!info.isDirectory()) throw new UserError(`${abs} is a file, not a folder.`, 'not-a-folder');
  const reason = systemFolderReason(abs);
  if (reason) throw new UserError(reason, 'system-folder');

  let entries;
  try {
    entries = await fsp.readdir(abs, { withFileTypes: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(
      code === 'EACCES' || code === 'EPERM'
        ? `Lookbook may not open ${abs} (no permission).`
        : `${abs} cannot be opened (${code ?? 'unknown error'}).`,
      'folder-unreadable',
    );
  }
  const folders: BrowsedFolder[] = [];
  for (const entry of entries) {
    if (!options.showHidden && entry.name.startsWith('.')) continue;
    const child = join(abs, entry.name);
    // A link to a folder is a folder to the person (and to the scanner, which follows it).
    const folder = entry.isDirectory() || (entry.isSymbolicLink() && isFolder(child));
    if (!folder || systemFolderReason(child)) continue;
    folders.push({ name: entry.name, path: child });
  }
  folders.sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true, sensitivity: 'base' }));

  const up = dirname(abs);
  const atTop = up === abs || abs === parse(abs).root;
  // The parent of /home is the root, which is never opened: the top is then the home's parent.
  const parent = atTop || systemFolderReason(up) ? null : up;
  return {
    path: abs,
    parent,
    folders: folders.slice(0, MAX_LISTED),
    truncated: folders.length > MAX_LISTED,
    places: await startingPlaces(),
  };
}
