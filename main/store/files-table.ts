import type { Table } from '@lancedb/lancedb';
import { filesSchema } from './schemas.js';
import {
  deleteIn,
  queryAll,
  queryColumns,
  queryIn,
  sqlString,
  toNumber,
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

export interface FilesTable {
  allFiles(): Promise<FileRow[]>;
  filesUnder(folder: string): Promise<FileRow[]>;
  getFile(path: string): Promise<FileRow | undefined>;
  getFiles(paths: readonly string[]): Promise<FileRow[]>;
  filesForContents(contentIds: readonly string[]): Promise<FileRow[]>;
  /**
   * The paths of the indexed files, by content id: what search may return and where. Cached until the
   * files table changes (a version check, which also sees other processes' writes), so a search does not
   * query the files table; treat the map as read-only.
   */
  indexedPaths(): Promise<ReadonlyMap<string, readonly string[]>>;
  upsertFiles(rows: FileRow[]): Promise<void>;
  deleteFiles(paths: readonly string[]): Promise<void>;
  deleteFilesUnder(folder: string): Promise<void>;
  /** The content ids of the indexed files under a folder (the folder filter of search and tagging). */
  contentIdsUnder(folder: string): Promise<Set<string>>;
  /** Files by status, counted by the database (status reads these every second while indexing). */
  countFilesByStatus(): Promise<Record<FileStatus, number>>;
  /** Files that failed or are unsupported, by path, at most `limit` of them. */
  problemFiles(limit: number): Promise<FileRow[]>;
}

const STATUSES: readonly FileStatus[] = ['indexed', 'pending', 'failed', 'unsupported', 'skipped'];

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
  let indexedCache:
    { version: number; roots: RootPaths; paths: ReadonlyMap<string, readonly string[]> } | undefined;
  const rowsOut = (rows: Row[]) => {
    const r = roots();
    return rows.map((row) => fileFromRow(row, r)).filter((f): f is FileRow => f !== undefined);
  };
  const stored = (paths: readonly string[]) => {
    const r = roots();
    return paths.map((p) => toStored(p, r));
  };

  return {
    async allFiles() {
      return rowsOut(await queryAll(files, visibleRows(roots())));
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
      const version = await files.version();
      const r = roots();
      if (indexedCache?.version === version && indexedCache.roots === r) return indexedCache.paths;
      // Column-wise: at 100,000 files, row objects alone took seconds (see queryColumns).
      const read = await queryColumns(
        files,
        ['contentId', 'path'],
        `status = 'indexed' AND contentId IS NOT NULL AND ${visibleRows(r)}`,
      );
      const ids = read.text('contentId');
      const all = read.text('path');
      const paths = new Map<string, string[]>();
      for (let i = 0; i < read.rows; i++) {
        const id = ids[i]!;
        const path = fromStored(all[i]!, r);
        if (path === undefined) continue;
        const list = paths.get(id);
        if (list) list.push(path);
        else paths.set(id, [path]);
      }
      for (const list of paths.values()) if (list.length > 1) list.sort();
      indexedCache = { version, roots: r, paths };
      return paths;
    },
    async upsertFiles(rows) {
      const r = roots();
      const storedRows = rows.map((row) => ({
        ...row,
        path: toStored(row.path, r),
        folder: toStored(row.folder, r),
      }));
      // mergeInsert rejects a batch holding one key twice; the last write for a path wins.
      const byPath = new Map(storedRows.map((row) => [row.path, row]));
      await upsertRows(files, 'path', filesSchema, [...byPath.values()]);
    },
    async deleteFiles(paths) {
      await deleteIn(files, 'path', stored(paths));
    },
    async deleteFilesUnder(folder) {
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
      const counts = {} as Record<FileStatus, number>;
      const visible = visibleRows(roots());
      for (const status of STATUSES)
        counts[status] = await files.countRows(`status = ${sqlString(status)} AND ${visible}`);
      return counts;
    },
    async problemFiles(limit) {
      const rows = rowsOut(
        await queryAll(files, `status IN ('failed', 'unsupported') AND ${visibleRows(roots())}`),
      );
      return rows.sort((a, b) => a.path.localeCompare(b.path)).slice(0, limit);
    },
  };
}
