// Resolving duplicates: every copy but the keeper of each group goes to Lookbook's trash, the removed
// copies' tags, captions and album places go to the keeper, and a record of exactly what moved lets
// undo put it all back. Nothing is deleted here; only files inside library folders are ever moved; a
// group is never left without a copy; a group whose files changed since they were found is skipped.
//
// The removed copies keep their own tags, captions and album places (they are stored by content, and
// a content whose file is gone is simply not shown): undo only has to take back what the keeper was
// given, and a restored file comes back exactly as it was.
import { randomUUID } from 'node:crypto';
import { lstat, mkdir, readdir, readFile, realpath } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { UserError, describeError } from '../errors.js';
import { isUnder } from '../paths.js';
import { writeFileAtomic } from '../temp-files.js';
import type { DuplicateFinder, FindOptions, FoundGroup } from './duplicate-finder.js';
import type { Trash, TrashRecord } from './trash.js';

/** One group to resolve, as the finder saw it. */
export interface PlanGroup {
  id: string;
  /** 'exact': one content at several paths (nothing to carry over); 'similar': near copies. */
  kind: 'exact' | 'similar';
  keeper: { contentId: string; path: string };
  /** Size and modification time as found: a file that differs now changed since, and is not moved. */
  others: Array<{ contentId: string; path: string; sizeBytes: number; mtimeMs: number }>;
}

/** Where a removed copy's tags, captions and album places go, and how they are taken back. */
export interface CopyMetadata {
  /** Labels a person confirmed or added on this content. */
  confirmedTags(contentId: string): Promise<string[]>;
  /** Every label this content has in any state (a rejected one must not be overridden). */
  anyTags(contentId: string): Promise<string[]>;
  addTags(contentId: string, labels: string[]): Promise<void>;
  removeTags(contentId: string, labels: string[]): Promise<void>;
  captions(contentId: string): Promise<Array<{ text: string; source: string }>>;
  /** Adds captions; returns the ids of the pairs that are new. */
  addCaptions(contentId: string, captions: Array<{ text: string; source: string }>): Promise<string[]>;
  removeCaptions(pairIds: string[]): Promise<void>;
  /** Manual albums holding this content. */
  albumsWith(contentId: string): Promise<string[]>;
  addToAlbum(albumId: string, contentId: string): Promise<void>;
  removeFromAlbum(albumId: string, contentId: string): Promise<void>;
}

/** What the keepers were given, exactly, so undo takes back that and nothing else. */
interface Carried {
  tags: Array<{ contentId: string; labels: string[] }>;
  pairIds: string[];
  albums: Array<{ albumId: string; contentId: string }>;
}

export interface ResolutionRecord {
  id: string;
  createdAt: string;
  moved: Array<{ from: string; to: string; trashId: string; groupId: string }>;
  skipped: Array<{ path: string; reason: string }>;
  carried: Carried;
  undoneAt: string | null;
  dryRun?: boolean;
}

export interface ResolverDeps {
  dataDir: string;
  trash: Trash;
  /** The library's folders now: only files inside them are moved. */
  libraryFolders(): Promise<string[]>;
  metadata: CopyMetadata;
  /** Asks the library to look at these paths again: moved away (forgotten) or restored (indexed). */
  reindex?(paths: string[]): Promise<void>;
}

export interface ResolutionView {
  id: string;
  createdAt: string;
  moved: Array<{ from: string; to: string }>;
  skipped: Array<{ path: string; reason: string }>;
  undoable: boolean;
}

const exists = (p: string) =>
  lstat(p).then(
    () => true,
    () => false,
  );

/** A path with its links resolved (an absent file: its folder's links resolved). */
async function realPathOf(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch {
    return resolve(path);
  }
}

export function createResolver(deps: ResolverDeps) {
  const dir = join(deps.dataDir, 'resolutions');

  /**
   * The files are where they should be whatever this says: a library another process holds (the app,
   * watching) sees the change itself, and the next index does otherwise. So a failure here is no failure.
   */
  async function lookAgain(paths: string[]): Promise<void> {
    await deps.reindex?.(paths).catch(() => undefined);
  }

  async function save(record: ResolutionRecord): Promise<void> {
    await mkdir(dir, { recursive: true });
    await writeFileAtomic(join(dir, `${record.id}.json`), JSON.stringify(record, null, 1) + '\n');
  }

  async function records(): Promise<ResolutionRecord[]> {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      return [];
    }
    const out: ResolutionRecord[] = [];
    for (const name of names.filter((n) => n.endsWith('.json') && !n.startsWith('.'))) {
      try {
        out.push(JSON.parse(await readFile(join(dir, name), 'utf8')) as ResolutionRecord);
      } catch {
        // A damaged record: its files are still listed in the trash and can be restored from there.
      }
    }
    return out.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  /** `resolutionsInTrash`: the resolutions the trash still holds files of (what can be undone). */
  function viewOf(r: ResolutionRecord, resolutionsInTrash: ReadonlySet<string | null>): ResolutionView {
    return {
      id: r.id,
      createdAt: r.createdAt,
      moved: r.moved.map(({ from, to }) => ({ from, to })),
      skipped: r.skipped,
      undoable: !r.dryRun && r.undoneAt === null && resolutionsInTrash.has(r.id),
    };
  }

  /** Why a group may not be resolved now, or undefined when it may. */
  async function checkGroup(group: PlanGroup, folders: string[]): Promise<string | undefined> {
    if (group.others.length === 0) return 'nothing to move: the group has one copy';
    const keeperReal = await realPathOf(group.keeper.path);
    if (!(await exists(group.keeper.path))) return `the copy to keep, ${group.keeper.path}, is gone`;
    for (const other of group.others) {
      const real = await realPathOf(other.path);
      // Never every copy: the keeper's own file, reached by another name, is not a copy to remove.
      if (real === keeperReal) return `${other.path} is the kept file itself`;
      if (!folders.some((f) => isUnder(real, f))) return `${other.path} is not inside a library folder`;
      const stat = await lstat(other.path).catch(() => undefined);
      if (!stat) return `${other.path} is gone since the group was found`;
      if (!stat.isFile()) return `${other.path} is not a plain file`;
      if (stat.size !== other.sizeBytes || Math.abs(stat.mtimeMs - other.mtimeMs) > 1)
        return `${other.path} changed since the group was found`;
    }
    return undefined;
  }

  /** What the keeper is given from one removed copy (nothing for exact copies: one content already). */
  async function carry(group: PlanGroup, carried: Carried): Promise<void> {
    if (group.kind === 'exact') return;
    const m = deps.metadata;
    const keeper = group.keeper.contentId;
    for (const other of group.others) {
      if (other.contentId === keeper) continue;
      const has = new Set(await m.anyTags(keeper));
      const labels = (await m.confirmedTags(other.contentId)).filter((l) => !has.has(l));
      if (labels.length > 0) {
        await m.addTags(keeper, labels);
        carried.tags.push({ contentId: keeper, labels });
      }
      const captions = await m.captions(other.contentId);
      if (captions.length > 0) carried.pairIds.push(...(await m.addCaptions(keeper, captions)));
      const [theirs, mine] = await Promise.all([m.albumsWith(other.contentId), m.albumsWith(keeper)]);
      for (const albumId of theirs.filter((a) => !mine.includes(a))) {
        await m.addToAlbum(albumId, keeper);
        carried.albums.push({ albumId, contentId: keeper });
      }
    }
  }

  async function uncarry(carried: Carried): Promise<void> {
    const m = deps.metadata;
    for (const t of carried.tags) await m.removeTags(t.contentId, t.labels);
    if (carried.pairIds.length > 0) await m.removeCaptions(carried.pairIds);
    for (const a of carried.albums) await m.removeFromAlbum(a.albumId, a.contentId).catch(() => undefined);
  }

  /**
   * Moves every copy but the keeper of each group to the trash. All checks run first, under the trash's
   * lock: a group whose files vanished, changed or lie outside the library is skipped with why; a trash
   * that is read-only or has too little room stops everything before anything moves. A second resolve
   * started meanwhile waits for the lock, then finds the files gone and skips them.
   */
  async function resolveGroups(
    plan: readonly PlanGroup[],
    options: { dryRun?: boolean } = {},
  ): Promise<ResolutionView> {
    const view = await deps.trash.exclusive(async (session) => {
      const folders = await Promise.all((await deps.libraryFolders()).map(realPathOf));
      const record: ResolutionRecord = {
        id: randomUUID(),
        createdAt: new Date().toISOString(),
        moved: [],
        skipped: [],
        carried: { tags: [], pairIds: [], albums: [] },
        undoneAt: null,
        ...(options.dryRun ? { dryRun: true } : {}),
      };
      const ready: PlanGroup[] = [];
      for (const group of plan) {
        const why = await checkGroup(group, folders);
        if (why) record.skipped.push({ path: group.others[0]?.path ?? group.keeper.path, reason: why });
        else ready.push(group);
      }
      // Groups overlap (a content's exact copies, and the same content in a group of near copies): a file
      // kept by one group is never moved by another, or together they could remove every copy.
      const kept = new Set(await Promise.all(ready.map((g) => realPathOf(g.keeper.path))));
      for (const group of ready.splice(0)) {
        let clash: string | undefined;
        for (const o of group.others) if (kept.has(await realPathOf(o.path))) clash ??= o.path;
        if (clash) record.skipped.push({ path: clash, reason: `${clash} is the copy another group keeps` });
        else ready.push(group);
      }
      if (ready.length > 0) await session.assertRoomFor(ready.flatMap((g) => g.others));
      if (options.dryRun) {
        for (const g of ready)
          for (const o of g.others)
            record.moved.push({ from: o.path, to: session.dir, trashId: '', groupId: g.id });
        return viewOf(record, new Set());
      }
      await save(record);
      for (const group of ready) {
        for (const other of group.others) {
          try {
            const item = await session.put(other.path, other.sizeBytes, record.id);
            record.moved.push({ from: other.path, to: item.trashPath, trashId: item.id, groupId: group.id });
          } catch (e) {
            record.skipped.push({ path: other.path, reason: `not moved: ${describeError(e)}` });
          }
        }
        if (record.moved.some((m) => m.groupId === group.id)) await carry(group, record.carried);
        await save(record);
      }
      return viewOf(record, new Set(session.records().map((r) => r.resolutionId)));
    });
    // The library forgets the moved paths (and the groups update) at once, not at its next scan.
    if (view.moved.length > 0 && !options.dryRun) await lookAgain(view.moved.map((m) => m.from));
    return view;
  }

  /**
   * Puts back what a resolution moved (the latest that can be undone when no id is given), and takes
   * back what its keepers were given. A file whose original path is taken again stays in the trash and
   * is reported in `skipped`.
   */
  async function undo(id?: string): Promise<ResolutionView> {
    return deps.trash.exclusive(async (session) => {
      const inTrash = new Map(session.records().map((r) => [r.id, r] as [string, TrashRecord]));
      const all = (await records()).filter((r) => !r.dryRun);
      const record = id
        ? all.find((r) => r.id === id)
        : all
            .reverse()
            .find((r) => viewOf(r, new Set([...inTrash.values()].map((i) => i.resolutionId))).undoable);
      if (!record)
        throw new UserError(
          id ? `There is no resolution '${id}'.` : 'There is nothing to undo.',
          'resolution-not-found',
        );
      if (record.undoneAt)
        throw new UserError(`Resolution ${record.id} was undone already.`, 'resolution-undone');
      const back: Array<{ from: string; to: string }> = [];
      const skipped: Array<{ path: string; reason: string }> = [];
      // The trash's list is the truth: it names the resolution of each file, even one a killed run
      // moved before it could write its record.
      const items = [...inTrash.values()].filter((i) => i.resolutionId === record.id);
      for (const m of record.moved)
        if (!inTrash.has(m.trashId))
          skipped.push({ path: m.from, reason: 'no longer in the trash (restored or emptied)' });
      for (const item of items) {
        const m = { from: item.originalPath };
        try {
          await session.takeBack(item);
          back.push({ from: item.trashPath, to: item.originalPath });
        } catch (e) {
          skipped.push({ path: m.from, reason: describeError(e) });
        }
      }
      await uncarry(record.carried);
      record.undoneAt = new Date().toISOString();
      await save(record);
      if (back.length > 0) await lookAgain(back.map((b) => b.to));
      return { id: record.id, createdAt: record.createdAt, moved: back, skipped, undoable: false };
    });
  }

  async function list(): Promise<ResolutionView[]> {
    const inTrash = new Set((await deps.trash.list()).map((r) => r.resolutionId));
    return (await records()).filter((r) => !r.dryRun).map((r) => viewOf(r, inTrash));
  }

  /** Puts these files (by original path) back from the trash; the ones not there are reported. */
  async function restore(
    originalPaths: readonly string[],
  ): Promise<{ restored: TrashRecord[]; skipped: Array<{ path: string; reason: string }> }> {
    const wanted = new Set(originalPaths.map((p) => resolve(p)));
    const result = await deps.trash.exclusive(async (session) => {
      const restored: TrashRecord[] = [];
      const skipped: Array<{ path: string; reason: string }> = [];
      const items = session.records();
      for (const path of wanted) {
        // The newest item of that path: a file trashed twice comes back as it was last.
        const item = items.filter((i) => i.originalPath === path).at(-1);
        if (!item) {
          skipped.push({ path, reason: 'not in the trash' });
          continue;
        }
        try {
          await session.takeBack(item);
          restored.push(item);
        } catch (e) {
          skipped.push({ path, reason: describeError(e) });
        }
      }
      return { restored, skipped };
    });
    if (result.restored.length > 0) await lookAgain(result.restored.map((r) => r.originalPath));
    return result;
  }

  /** Empties the trash for good (or into the system's trash, where the host has one). */
  async function empty(): Promise<{ removed: number; freedBytes: number }> {
    return deps.trash.exclusive(async (session) => {
      let removed = 0;
      let freedBytes = 0;
      for (const item of session.records()) {
        await session.discard(item);
        removed++;
        freedBytes += item.sizeBytes;
      }
      return { removed, freedBytes };
    });
  }

  return { resolve: resolveGroups, undo, list, restore, empty, trashItems: () => deps.trash.list() };
}

export type Resolver = ReturnType<typeof createResolver>;

/** The finder's groups as a plan: the keeper, and every other copy with its size and time as found. */
export function planOf(groups: readonly FoundGroup[]): PlanGroup[] {
  return groups.map((g) => ({
    id: g.id,
    kind: g.kind,
    keeper: { contentId: g.keeperContentId, path: g.keeperPath },
    others: g.copies
      .filter((c) => c.path !== g.keeperPath)
      .map((c) => ({ contentId: c.contentId, path: c.path, sizeBytes: c.size, mtimeMs: c.mtimeMs })),
  }));
}

export interface ResolveRequest extends FindOptions {
  /** Only these groups (ids from a listing); every group found when omitted. */
  groupIds?: readonly string[];
  dryRun?: boolean;
}

/**
 * Finds the groups in scope afresh and resolves them (or the ones named). A named group that is not
 * found any more (its photos changed since it was listed) is skipped with a reason, not guessed at.
 */
export async function resolveFound(
  finder: DuplicateFinder,
  resolver: Resolver,
  request: ResolveRequest,
): Promise<ResolutionView> {
  const { groupIds, dryRun, ...find } = request;
  const groups = await finder.find(find);
  const byId = new Map(groups.map((g) => [g.id, g]));
  const chosen = groupIds ? groupIds.flatMap((id) => byId.get(id) ?? []) : groups;
  const missing = (groupIds ?? []).filter((id) => !byId.has(id));
  const view = await resolver.resolve(planOf(chosen), dryRun ? { dryRun } : {});
  return {
    ...view,
    skipped: [
      ...missing.map((id) => ({
        path: `group ${id}`,
        reason: 'this group changed or is gone since it was listed; list the duplicates again',
      })),
      ...view.skipped,
    ],
  };
}
