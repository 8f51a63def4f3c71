import type { Table } from '@lancedb/lancedb';
import {
  applyToTally,
  FILE_STATUSES,
  followsDirectly,
  loadTally,
  tallyOf,
  rowsBeingReplaced,
  type FilesTally,
} from './files-tally.js';
import { filesSchema } from './schemas.js';
import {
  appendRows,
  deleteIn,
  queryAll,
  queryColumns,
  queryIn,
  sqlString,
  toNumber,
  removeDuplicateKeys,
  toText,
  upsertRows,
  type Row,
} from './sql.js';
import { fromStored, storedUnder, toStored, visibleRows, type RootPaths } from './root-keys.js';

// The `files` table: one row per file under a watched folder, keyed by path. Paths are stored relative to
// their root and translated to this machine's absolute paths here, in and out (see [Note: roots]).

/** 'skipped': not a photo by name (.txt, .mp4); kept so that every file has a status. */
export type FileStatus = 'indexed' | 'pending' | 'failed' | 'unsupported' | 'skipped';

export interface FileRow {
  path: string;
  /** The watched folder the file was found under. */
  folder: string;
  contentId: string | null;
  size: number;
  mtimeMs: number;
  status: FileStatus;
  /** A stable code for failures ('corrupt', 'zero-byte', 'permission-denied', …). */
  code: string | null;
  /** A sentence a person understands. */
  reason: string | null;
  updatedAt: number;
}

/** What a restart compares a scanned file against: enough to tell whether it needs reading again. */
export type FileState = Pick<FileRow, 'path' | 'contentId' | 'size' | 'mtimeMs' | 'status' | 'code'>;

export interface FilesTable {
  allFiles(): Promise<FileRow[]>;
  /**
   * Every file's state, read column-wise (a restart compares the whole scan against it: at 100,000
   * files, row objects from allFiles() took seconds on their own).
   */
  allFileStates(): Promise<FileState[]>;
  filesUnder(folder: string): Promise<FileRow[]>;
  /** The paths of the files under a folder, read column-wise (a rescan compares a folder with them). */
  pathsUnder(folder: string): Promise<string[]>;
  getFile(path: string): Promise<FileRow | undefined>;
  getFiles(paths: readonly string[]): Promise<FileRow[]>;
  filesForContents(contentIds: readonly string[]): Promise<FileRow[]>;
  /**
   * The paths of the indexed files, by content id: what search may return and where. Kept in memory and
   * updated by this process's writes; read again when another process wrote (a version check), so a
   * search does not query the files table. A new map whenever anything changed; treat it as read-only.
   */
  indexedPaths(): Promise<ReadonlyMap<string, readonly string[]>>;
  /** Writes file rows, replacing the rows of the same paths. */
  upsertFiles(rows: FileRow[]): Promise<void>;
  /**
   * Writes rows for paths that have no row yet (the caller knows: the indexer's rows of the run's start).
   * An append, whose cost does not grow with the table; a path that had a row would have two.
   */
  appendFiles(rows: FileRow[]): Promise<void>;
  /** Leaves one row per path (see removeDuplicateKeys); returns how many paths had several. */
  removeDuplicateFiles(): Promise<number>;
  deleteFiles(paths: readonly string[]): Promise<void>;
  deleteFilesUnder(folder: string): Promise<void>;
  /** The content ids of the indexed files under a folder (the folder filter of search and tagging). */
  contentIdsUnder(folder: string): Promise<Set<string>>;
  /** Files by status (status reads these every second while indexing: kept in memory, see files-tally.ts). */
  countFilesByStatus(): Promise<Record<FileStatus, number>>;
  /** Files that failed or are unsupported, by path, at most `limit` of them. */
  problemFiles(limit: number): Promise<FileRow[]>;
}

/** A stored row as this machine sees it; undefined when its root is not mapped here. */
function fileFromRow(r: Row, roots: RootPaths): FileRow | undefined {
  const path = fromStored(String(r.path), roots);
  const folder = fromStored(String(r.folder), roots);
  if (path === undefined || folder === undefined) return undefined;
  return {
    path,
    folder,
    contentId: toText(r.contentId),
    size: toNumber(r.size) ?? 0,
    mtimeMs: toNumber(r.mtimeMs) ?? 0,
    status: r.status as FileStatus,
    code: toText(r.code),
    reason: toText(r.reason),
    updatedAt: toNumber(r.updatedAt) ?? 0,
  };
}

/**
 * The files table's methods over an open `files` table. `roots` gives this machine's root mapping (the
 * same map object until the mapping changes): every path goes in and out through it.
 */
export function filesTable(files: Table, roots: () => RootPaths): FilesTable {
  /** The tally, and the root mapping its paths were translated with (a new mapping reads it again). */
  let tally: FilesTally | undefined;
  let tallyRoots: RootPaths | undefined;
  const rowsOut = (rows: Row[]) => {
    const r = roots();
    return rows.map((row) => fileFromRow(row, r)).filter((f): f is FileRow => f !== undefined);
  };
  const stored = (paths: readonly string[]) => {
    const r = roots();
    return paths.map((p) => toStored(p, r));
  };
  const storedRow = (row: FileRow, r: RootPaths): FileRow => ({
    ...row,
    path: toStored(row.path, r),
    folder: toStored(row.folder, r),
  });

  /** The tally of the table as it is now: kept, or read again when the table or the mapping changed. */
  async function currentTally(): Promise<FilesTally> {
    const version = await files.version();
    const r = roots();
    if (tally?.version !== version || tallyRoots !== r) {
      tally = await loadTally(
        files,
        version,
        (row) => fileFromRow(row, r),
        (path) => fromStored(path, r),
      );
      tallyRoots = r;
    }
    return tally;
  }

  /**
   * Runs a write of `added` rows (replacing the rows of `replaced` paths, or deleting them; both as this
   * machine names them) and keeps the tally in step. When another process's commit came between (the
   * versions do not follow), the tally is dropped and read again when next asked.
   */
  async function tracked(
    replaced: readonly string[],
    added: readonly FileRow[],
    write: () => Promise<(number | undefined)[]>,
  ): Promise<void> {
    const r = roots();
    const before = tally ? await files.version() : undefined;
    const kept = tally && tally.version === before && tallyRoots === r ? tally : undefined;
    const old = kept
      ? await rowsBeingReplaced(
          files,
          replaced.map((p) => toStored(p, r)),
          (path) => fromStored(path, r),
        )
      : [];
    const versions = await write();
    const after = kept ? followsDirectly(kept.version, versions) : undefined;
    if (!kept || after === undefined) {
      tally = undefined;
      return;
    }
    applyToTally(kept, old, added);
    kept.version = after;
  }

  return {
    async allFiles() {
      return rowsOut(await queryAll(files, visibleRows(roots())));
    },
    async allFileStates() {
      const r = roots();
      // Every row is read here anyway: when the tally is not current, it is made from this read.
      const version = tally?.version === undefined || tallyRoots !== r ? await files.version() : undefined;
      const read = await queryColumns(
        files,
        ['path', 'contentId', 'size', 'mtimeMs', 'status', 'code'],
        visibleRows(r),
      );
      const path = read.text('path');
      const contentId = read.text('contentId');
      const size = read.numbers('size');
      const mtimeMs = read.numbers('mtimeMs');
      const status = read.text('status');
      const code = read.text('code');
      const out: FileState[] = [];
      for (let i = 0; i < read.rows; i++) {
        const local = fromStored(path[i]!, r);
        if (local === undefined) continue;
        out.push({
          path: local,
          contentId: contentId[i] ?? null,
          size: size[i] ?? 0,
          mtimeMs: mtimeMs[i] ?? 0,
          status: status[i] as FileStatus,
          code: code[i] ?? null,
        });
      }
      // A write that came between the version and the read makes the tally look older than its rows:
      // the next look at the version reads it again, so a tally is never taken for newer than it is.
      if (version !== undefined && (tally?.version !== version || tallyRoots !== r)) {
        tally = await tallyOf(files, version, out, (row) => fileFromRow(row, r));
        tallyRoots = r;
      }
      return out;
    },
    async pathsUnder(folder) {
      const r = roots();
      const read = await queryColumns(files, ['path'], storedUnder('path', folder, r));
      return read
        .text('path')
        .map((p) => fromStored(p!, r))
        .filter((p): p is string => p !== undefined);
    },
    async filesUnder(folder) {
      return rowsOut(await queryAll(files, storedUnder('path', folder, roots())));
    },
    async getFile(path) {
      const rows = rowsOut(await queryAll(files, `path = ${sqlString(toStored(path, roots()))}`));
      return rows[0];
    },
    async getFiles(paths) {
      return rowsOut(await queryIn(files, 'path', stored(paths)));
    },
    async filesForContents(contentIds) {
      return rowsOut(await queryIn(files, 'contentId', contentIds, { and: visibleRows(roots()) }));
    },
    async indexedPaths() {
      const t = await currentTally();
      t.published ??= new Map(t.indexed);
      return t.published;
    },
    async upsertFiles(rows) {
      // mergeInsert rejects a batch holding one key twice; the last write for a path wins.
      const unique = [...new Map(rows.map((row) => [row.path, row])).values()];
      const r = roots();
      await tracked(
        unique.map((row) => row.path),
        unique,
        async () => [
          await upsertRows(
            files,
            'path',
            filesSchema,
            unique.map((row) => storedRow(row, r)),
          ),
        ],
      );
    },
    async appendFiles(rows) {
      const unique = [...new Map(rows.map((row) => [row.path, row])).values()];
      const r = roots();
      await tracked([], unique, async () => [
        await appendRows(
          files,
          filesSchema,
          unique.map((row) => storedRow(row, r)),
        ),
      ]);
    },
    async removeDuplicateFiles() {
      const { repaired } = await removeDuplicateKeys(files, 'path', filesSchema);
      if (repaired > 0) tally = undefined;
      return repaired;
    },
    async deleteFiles(paths) {
      await tracked(paths, [], () => deleteIn(files, 'path', stored(paths)));
    },
    async deleteFilesUnder(folder) {
      // Rare (a folder removed or gone): the tally is read again rather than the rows looked up first.
      tally = undefined;
      await files.delete(storedUnder('path', folder, roots()));
    },
    async contentIdsUnder(folder) {
      const rows = await queryAll(
        files,
        `${storedUnder('path', folder, roots())} AND status = 'indexed' AND contentId IS NOT NULL`,
        ['contentId'],
      );
      return new Set(rows.map((r) => String(r.contentId)));
    },
    async countFilesByStatus() {
      const counts = (await currentTally()).counts;
      return Object.fromEntries(FILE_STATUSES.map((s) => [s, counts[s] ?? 0])) as Record<FileStatus, number>;
    },
    async problemFiles(limit) {
      const rows = [...(await currentTally()).problems.values()];
      return rows.sort((a, b) => a.path.localeCompare(b.path)).slice(0, limit);
    },
  };
}
