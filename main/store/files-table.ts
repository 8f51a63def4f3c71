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
  underFolder,
  upsertRows,
  type Row,
} from './sql.js';

// The `files` table: one row per file under a watched folder, keyed by path.

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

function fileFromRow(r: Row): FileRow {
  return {
    path: String(r.path),
    folder: String(r.folder),
    contentId: toText(r.contentId),
    size: toNumber(r.size) ?? 0,
    mtimeMs: toNumber(r.mtimeMs) ?? 0,
    status: r.status as FileStatus,
    code: toText(r.code),
    reason: toText(r.reason),
    updatedAt: toNumber(r.updatedAt) ?? 0,
  };
}

/** The files table's methods over an open `files` table. */
export function filesTable(files: Table): FilesTable {
  let indexedCache: { version: number; paths: ReadonlyMap<string, readonly string[]> } | undefined;

  return {
    async allFiles() {
      return (await queryAll(files)).map(fileFromRow);
    },
    async allFileStates() {
      const read = await queryColumns(files, ['path', 'contentId', 'size', 'mtimeMs', 'status', 'code']);
      const path = read.text('path');
      const contentId = read.text('contentId');
      const size = read.numbers('size');
      const mtimeMs = read.numbers('mtimeMs');
      const status = read.text('status');
      const code = read.text('code');
      const out: FileState[] = new Array<FileState>(read.rows);
      for (let i = 0; i < read.rows; i++) {
        out[i] = {
          path: path[i]!,
          contentId: contentId[i] ?? null,
          size: size[i] ?? 0,
          mtimeMs: mtimeMs[i] ?? 0,
          status: status[i] as FileStatus,
          code: code[i] ?? null,
        };
      }
      return out;
    },
    async pathsUnder(folder) {
      return (await queryColumns(files, ['path'], underFolder('path', folder))).text('path') as string[];
    },
    async filesUnder(folder) {
      return (await queryAll(files, underFolder('path', folder))).map(fileFromRow);
    },
    async getFile(path) {
      const rows = await queryAll(files, `path = ${sqlString(path)}`);
      return rows[0] ? fileFromRow(rows[0]) : undefined;
    },
    async getFiles(paths) {
      return (await queryIn(files, 'path', paths)).map(fileFromRow);
    },
    async filesForContents(contentIds) {
      return (await queryIn(files, 'contentId', contentIds)).map(fileFromRow);
    },
    async indexedPaths() {
      const version = await files.version();
      if (indexedCache?.version === version) return indexedCache.paths;
      // Column-wise: at 100,000 files, row objects alone took seconds (see queryColumns).
      const read = await queryColumns(
        files,
        ['contentId', 'path'],
        `status = 'indexed' AND contentId IS NOT NULL`,
      );
      const ids = read.text('contentId');
      const all = read.text('path');
      const paths = new Map<string, string[]>();
      for (let i = 0; i < read.rows; i++) {
        const id = ids[i]!;
        const path = all[i]!;
        const list = paths.get(id);
        if (list) list.push(path);
        else paths.set(id, [path]);
      }
      for (const list of paths.values()) if (list.length > 1) list.sort();
      indexedCache = { version, paths };
      return paths;
    },
    async upsertFiles(rows) {
      // mergeInsert rejects a batch holding one key twice; the last write for a path wins.
      const byPath = new Map(rows.map((r) => [r.path, r]));
      await upsertRows(files, 'path', filesSchema, [...byPath.values()]);
    },
    async deleteFiles(paths) {
      await deleteIn(files, 'path', paths);
    },
    async deleteFilesUnder(folder) {
      await files.delete(underFolder('path', folder));
    },
    async contentIdsUnder(folder) {
      const rows = await queryAll(
        files,
        `${underFolder('path', folder)} AND status = 'indexed' AND contentId IS NOT NULL`,
        ['contentId'],
      );
      return new Set(rows.map((r) => String(r.contentId)));
    },
    async countFilesByStatus() {
      const counts = {} as Record<FileStatus, number>;
      for (const status of STATUSES) counts[status] = await files.countRows(`status = ${sqlString(status)}`);
      return counts;
    },
    async problemFiles(limit) {
      const rows = (await queryAll(files, `status IN ('failed', 'unsupported')`)).map(fileFromRow);
      return rows.sort((a, b) => a.path.localeCompare(b.path)).slice(0, limit);
    },
  };
}
