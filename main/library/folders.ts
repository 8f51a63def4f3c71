import { randomBytes } from 'node:crypto';
import { existsSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { UserError } from '../errors.js';
import {
  readSettings,
  settingsPath,
  updateSettings,
  type FolderSettings,
  type LibrarySettings,
} from '../host/settings.js';
import { isUnder } from '../paths.js';
import { absoluteUserPath, missingPathError } from '../user-path.js';
import type { LibraryStore, RootPaths } from '../store/library-store.js';
import { createExclusionMatcher } from './exclusions.js';
import { systemFolderReason } from './system-folders.js';
import type { FolderInfo, RootInfo, RootMapping } from './types.js';

// The library's folders as settings.json lists them, with each folder's exclusions compiled once.
// The list is re-read at each full index (another process, such as the CLI, may have changed it) and
// after our own changes; between those it is cached, since the watcher asks about every path.
//
// Each folder is a root of the library (see [Note: roots] in main/store/root-keys.ts): the roots
// themselves (id, name) live in the store, which every machine sharing the library reads; where each root
// is on this machine, with its exclusions, is this list, in this machine's data directory.

export interface FolderRegistry {
  /** Forget the cached list: the next question re-reads settings.json. */
  refresh(): void;
  /**
   * Forgets the cached list if settings.json changed since it was read (another process added or
   * removed a folder). Looks at the file at most once a second, so it can be asked for every photo.
   */
  refreshIfChanged(): void;
  /** Whether `path` is in one of the folders and not excluded: what the library should hold. */
  contains(path: string): boolean;
  list(): FolderSettings[];
  /** Whether a path under `folder` is excluded by its exclusions or patterns. */
  matcherFor(folder: FolderSettings): (path: string) => boolean;
  /** The library folder holding `path`, if any. */
  folderOf(path: string): FolderSettings | undefined;
  /** For the watcher: excluded paths and paths outside every folder (except the folders' parents). */
  isExcludedAnywhere(path: string): boolean;
  /** The folder with exactly this path, or a clear error. */
  require(path: string): FolderSettings;
  /** Changes settings.json and forgets the cached list. */
  change(fn: (s: LibrarySettings) => void): void;
  /** Where this machine has each root: the same map object as long as the mapping is unchanged. */
  rootPaths(): RootPaths;
}

export function createFolderRegistry(dataDir: string): FolderRegistry {
  let cache: { folders: FolderSettings[]; matchers: Map<string, (path: string) => boolean> } | undefined;
  const file = settingsPath(dataDir);
  const version = () => {
    try {
      const s = statSync(file);
      return `${s.mtimeMs}:${s.size}:${s.ino}`;
    } catch {
      return 'none';
    }
  };
  let loadedVersion = '';
  let lastLook = 0;
  // Kept while the mapping is unchanged, whatever else settings.json changed: the files table caches
  // its paths per mapping object.
  let mapping: { key: string; paths: RootPaths } = { key: '[]', paths: new Map() };
  const load = () => {
    if (!cache) {
      loadedVersion = version();
      cache = { folders: readSettings(dataDir).folders ?? [], matchers: new Map() };
    }
    return cache;
  };

  const registry: FolderRegistry = {
    refresh() {
      cache = undefined;
    },
    refreshIfChanged() {
      const now = Date.now();
      if (now - lastLook < 1000) return;
      lastLook = now;
      if (cache && version() !== loadedVersion) cache = undefined;
    },
    contains(path) {
      const f = registry.folderOf(path);
      return f !== undefined && !registry.matcherFor(f)(path);
    },
    list: () => load().folders,
    matcherFor(folder) {
      const { matchers } = load();
      let m = matchers.get(folder.path);
      if (!m) {
        m = createExclusionMatcher({
          root: folder.path,
          excluded: folder.excluded ?? [],
          patterns: folder.patterns ?? [],
        });
        matchers.set(folder.path, m);
      }
      return m;
    },
    folderOf: (path) => load().folders.find((f) => isUnder(path, f.path)),
    isExcludedAnywhere(path) {
      const f = registry.folderOf(path);
      // Parents of watched folders are watched paths too (chokidar asks about them): never excluded.
      if (!f) return !load().folders.some((x) => isUnder(x.path, path));
      return registry.matcherFor(f)(path);
    },
    require(path) {
      registry.refresh();
      const abs = resolve(path);
      const f = load().folders.find((x) => x.path === abs);
      if (!f) throw new UserError(`${abs} is not one of the library's folders`, 'folder-not-found');
      return f;
    },
    change(fn) {
      updateSettings(dataDir, fn);
      registry.refresh();
    },
    rootPaths() {
      const pairs = load().folders.flatMap((f) => (f.root ? [[f.root, f.path] as const] : []));
      const key = JSON.stringify(pairs);
      if (key !== mapping.key) mapping = { key, paths: new Map(pairs) };
      return mapping.paths;
    },
  };
  return registry;
}

/** A new root id: 8 hex digits, unlike any the library has. */
function newRootId(taken: ReadonlySet<string>): string {
  for (;;) {
    const id = randomBytes(4).toString('hex');
    if (!taken.has(id)) return id;
  }
}

/** A root's path inside another one, `/` between names (how the store keeps paths inside roots). */
function insidePath(outer: string, inner: string): string {
  return relative(outer, inner).split(sep).join('/');
}

/**
 * Gives every folder of this machine's list a root, and makes sure the store knows each root. Settings
 * written before roots list folders without one: each gets a root, and the rows an earlier version wrote
 * with absolute paths move onto it, once, in one commit per folder (no photo is read or encoded again).
 * Looked at every time the library opens, so a run killed half-way finishes the move at the next open.
 */
export async function ensureRoots(registry: FolderRegistry, store: LibraryStore): Promise<void> {
  registry.refresh();
  if (registry.list().length === 0) return;
  const roots = await store.openRootsTable();
  const known = await roots.listRoots();
  if (registry.list().some((f) => !f.root)) {
    const taken = new Set(known.map((r) => r.id));
    // Decided inside the settings update (a re-read file): two processes opening the library at once
    // agree on the root the first one wrote.
    registry.change((s) => {
      for (const f of s.folders ?? []) if (!f.root) taken.add((f.root = newRootId(taken)));
    });
  }
  const names = new Map(known.map((r) => [r.id, r.name]));
  await roots.addRoots(
    registry
      .list()
      .filter((f) => !names.has(f.root!))
      .map((f) => ({ id: f.root!, name: basename(f.path) || f.path, createdAt: Date.now() })),
  );
  for (const f of registry.list()) await roots.adoptLegacyRows(f.root!, f.path);
}

/**
 * A library whose tables are this data directory's own has no other machine: a root not mapped here is
 * left over (settings.json lost the folder: a removal killed half-way, a hand edit), and its photos go, as
 * a removed folder's always did. A shared library's unmapped roots are other machines' folders: a machine
 * that has not mapped a root never removes its photos. Returns how many file rows were removed.
 */
export async function dropUnmappedRoots(registry: FolderRegistry, store: LibraryStore): Promise<number> {
  if (store.location.shared) return 0;
  const roots = await store.openRootsTable();
  const mapped = registry.rootPaths();
  const leftover = (await roots.listRoots()).filter((r) => !mapped.has(r.id)).map((r) => r.id);
  return roots.deleteRoots(leftover);
}

/**
 * Photos per folder, as the library counts them (identical copies in one folder are one photo), for the
 * folders in `folders`. One pass over the indexed paths: each path is matched to its folder once per
 * directory (folders never nest: adding a folder inside or around another is refused or replaces it).
 */
function photoCounts(
  indexed: ReadonlyMap<string, readonly string[]>,
  folders: readonly FolderSettings[],
): number[] {
  const counts = folders.map(() => 0);
  const folderOfDir = new Map<string, number>();
  const folderIndex = (path: string) => {
    const dir = dirname(path);
    let i = folderOfDir.get(dir);
    if (i === undefined) {
      i = folders.findIndex((f) => isUnder(path, f.path));
      folderOfDir.set(dir, i);
    }
    return i;
  };
  const seen = new Set<number>();
  for (const paths of indexed.values()) {
    if (paths.length === 1) {
      const i = folderIndex(paths[0]!);
      if (i >= 0) counts[i]!++;
      continue;
    }
    seen.clear();
    for (const p of paths) seen.add(folderIndex(p));
    for (const i of seen) if (i >= 0) counts[i]!++;
  }
  return counts;
}

/**
 * Counts already made, by the indexed-paths map they were made from (the store hands out a new map on
 * any change), with the folder list they were made for: status asks every second while indexing.
 */
const countsMade = new WeakMap<object, { folders: string; counts: number[] }>();

/** What `folders list` and the Library page show for each folder. */
export async function folderInfos(registry: FolderRegistry, store: LibraryStore): Promise<FolderInfo[]> {
  // The indexed paths by content id: the map search keeps, cached until the files table changes, so
  // status (asked every second while indexing) does not read every file row for these counts.
  const indexed = await store.indexedPaths();
  const folders = registry.list();
  const key = JSON.stringify(folders.map((f) => f.path));
  let made = countsMade.get(indexed);
  if (made?.folders !== key) {
    made = { folders: key, counts: photoCounts(indexed, folders) };
    countsMade.set(indexed, made);
  }
  const counts = made.counts;
  return folders.map((f, i) => ({
    path: f.path,
    excluded: f.excluded ?? [],
    patterns: f.patterns ?? [],
    photoCount: counts[i]!,
    exists: existsSync(f.path),
  }));
}

/** What changing the folders needs from the rest of the library. */
export interface FolderChangeDeps {
  registry: FolderRegistry;
  store: LibraryStore;
  /** Runs database work after any indexing run in progress (one writer at a time). */
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
  /** Drops contents no file refers to any more (0: at once). */
  dropOrphans(graceMs: number): Promise<number>;
  /** Makes the watcher (if any) follow the new folder list; says whether the folders are watched. */
  followFolders(): Promise<boolean>;
  /** Starts a background index run (a new folder's photos while watching). */
  indexInBackground(): void;
}

export interface FolderOperations {
  addFolder(path: string, options?: { excluded?: string[]; patterns?: string[] }): Promise<FolderInfo[]>;
  removeFolder(path: string): Promise<FolderInfo[]>;
  excludePath(folder: string, path: string): Promise<FolderInfo[]>;
  setExclusionPatterns(folder: string, patterns: string[]): Promise<FolderInfo[]>;
  listFolders(): Promise<FolderInfo[]>;
  /** Every root of the library, with where it is on this computer (if mapped here). */
  listRoots(): Promise<RootInfo[]>;
  /**
   * Tells this computer where a root of the library is (`root`: its id, or its name when no other root
   * has it). Its photos show at once, with this computer's paths; nothing is indexed again.
   */
  mapRoot(root: string, path: string): Promise<RootMapping>;
}

/** Library files looked for under a newly mapped folder, to warn when it is not the right one. */
const MAPPING_SAMPLE = 20;

/**
 * The absolute path of a folder the user named for the library, or a clear error: it must exist, be a
 * folder, and not be a system folder.
 */
function checkedFolder(path: string): string {
  // Quotes, `~`, a Windows path on Linux or macOS and relative paths: see main/user-path.ts.
  const abs = absoluteUserPath(path);
  let info;
  try {
    info = statSync(abs);
  } catch {
    throw missingPathError(abs, 'folder-not-found');
  }
  if (!info.isDirectory()) throw new UserError(`${abs} is not a folder`, 'not-a-folder');
  // The root of the disk, /proc, C:\Windows…: never photos, and walking them never ends.
  const real = realpathSync(abs);
  const reason = systemFolderReason(abs) ?? systemFolderReason(real);
  if (reason) {
    const via = real === abs ? '' : `${abs} leads to ${real}: `;
    throw new UserError(`${via}${reason}`, 'system-folder');
  }
  return abs;
}

export function createFolderOperations(deps: FolderChangeDeps): FolderOperations {
  const { registry, store, exclusive } = deps;
  const list = () => folderInfos(registry, store);

  async function listRoots(): Promise<RootInfo[]> {
    const roots = await store.openRootsTable();
    const [known, counts] = await Promise.all([roots.listRoots(), roots.rootPhotoCounts()]);
    registry.refresh();
    const here = registry.rootPaths();
    return known.map((r) => ({
      id: r.id,
      name: r.name,
      path: here.get(r.id) ?? null,
      photoCount: counts.get(r.id) ?? 0,
    }));
  }

  return {
    async addFolder(path, opts = {}) {
      const abs = checkedFolder(path);
      registry.refresh();
      const parent = registry.folderOf(abs);
      if (parent) {
        throw new UserError(
          parent.path === abs
            ? `${abs} is already in the library`
            : `${abs} is already included through ${parent.path}`,
          'folder-already-added',
        );
      }
      const toAbs = (p: string) => (isAbsolute(p) ? resolve(p) : resolve(abs, p));
      // A new root, which every machine sharing the library will list.
      const roots = await store.openRootsTable();
      const root = newRootId(new Set((await roots.listRoots()).map((r) => r.id)));
      await roots.addRoots([{ id: root, name: basename(abs) || abs, createdAt: Date.now() }]);
      const inside = registry.list().filter((f) => isUnder(f.path, abs));
      registry.change((s) => {
        // A folder that contains existing ones replaces them (their photos stay: moved onto the new root).
        const kept = (s.folders ?? []).filter((f) => !isUnder(f.path, abs));
        kept.push({
          path: abs,
          root,
          excluded: (opts.excluded ?? []).map(toAbs),
          patterns: opts.patterns ?? [],
        });
        s.folders = kept;
      });
      await exclusive(async () => {
        for (const f of inside) if (f.root) await roots.moveRootRows(f.root, root, insidePath(abs, f.path));
        // Their roots are empty now: no computer should list them any more.
        await roots.deleteRoots(inside.flatMap((f) => (f.root ? [f.root] : [])));
      });
      // While watching, a new folder's photos are indexed at once (in the background).
      if (await deps.followFolders()) deps.indexInBackground();
      return list();
    },

    async removeFolder(path) {
      const f = registry.require(path);
      registry.change((s) => {
        s.folders = (s.folders ?? []).filter((x) => x.path !== f.path);
      });
      await exclusive(async () => {
        // The folder is no longer mapped: its rows are found by its root (rows from before roots, by path).
        if (f.root) await (await store.openRootsTable()).deleteRoots([f.root]);
        await store.deleteFilesUnder(f.path);
        await deps.dropOrphans(0);
      });
      await deps.followFolders();
      return list();
    },

    async excludePath(folder, path) {
      const f = registry.require(folder);
      const abs = isAbsolute(path) ? resolve(path) : resolve(f.path, path);
      if (!isUnder(abs, f.path) || abs === f.path)
        throw new UserError(`${abs} is not inside ${f.path}`, 'not-in-folder');
      registry.change((s) => {
        const target = (s.folders ?? []).find((x) => x.path === f.path);
        if (target) target.excluded = [...new Set([...(target.excluded ?? []), abs])];
      });
      await exclusive(async () => {
        await store.deleteFiles([abs]);
        await store.deleteFilesUnder(abs);
      });
      await deps.followFolders();
      return list();
    },

    async setExclusionPatterns(folder, patterns) {
      const f = registry.require(folder);
      registry.change((s) => {
        const target = (s.folders ?? []).find((x) => x.path === f.path);
        if (target) target.patterns = patterns;
      });
      await deps.followFolders();
      return list();
    },

    listFolders: list,
    listRoots,

    async mapRoot(rootName, path) {
      const abs = checkedFolder(path);
      const known = await listRoots();
      const root =
        known.find((r) => r.id === rootName.toLowerCase()) ??
        (known.filter((r) => r.name === rootName).length === 1
          ? known.find((r) => r.name === rootName)
          : undefined);
      if (!root) {
        const ids = known.map((r) => `${r.id} (${r.name})`).join(', ');
        throw new UserError(
          `the library has no root '${rootName}'${ids ? `: its roots are ${ids}` : ' yet'} (see \`lookbook roots list\`)`,
          'root-not-found',
        );
      }
      const other = registry
        .list()
        .find((f) => f.root !== root.id && (isUnder(abs, f.path) || isUnder(f.path, abs)));
      if (other) {
        throw new UserError(
          `${abs} overlaps ${other.path}, which is already a folder of the library on this computer`,
          'folder-already-added',
        );
      }
      registry.change((s) => {
        const folders = s.folders ?? [];
        const mapped = folders.find((f) => f.root === root.id);
        if (mapped) {
          // Moved: exclusions follow the folder to its new place.
          mapped.excluded = (mapped.excluded ?? []).map((e) => join(abs, relative(mapped.path, e)));
          mapped.path = abs;
        } else folders.push({ path: abs, root: root.id, excluded: [], patterns: [] });
        s.folders = folders;
      });
      const sample = await (await store.openRootsTable()).sampleRootPaths(root.id, MAPPING_SAMPLE);
      const found = sample.filter((p) => existsSync(join(abs, ...p.split('/')))).length;
      await deps.followFolders();
      return { root: { ...root, path: abs }, checked: sample.length, found };
    },
  };
}
