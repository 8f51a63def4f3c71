import type { Table } from '@lancedb/lancedb';
import type { FileRow, FileStatus } from './files-table.js';
import { queryAll, queryColumns, queryIn } from './sql.js';

// What status and search ask of the files table, kept in memory: the count of files by status, the
// problem files, and the indexed paths by content. Loaded by one read of three columns, then updated by
// this process's own writes, so status (asked every second while indexing) and search read no table.
// Every tally is tied to the table version it describes: a write by another process (a version this
// process did not make) is seen at the next read, which loads it again.

export const FILE_STATUSES: readonly FileStatus[] = [
  'indexed',
  'pending',
  'failed',
  'unsupported',
  'skipped',
];

const isProblem = (status: FileStatus) => status === 'failed' || status === 'unsupported';

/** The columns of a file row a tally needs to take the row out again. */
export type TalliedRow = Pick<FileRow, 'path' | 'status' | 'contentId'>;

export interface FilesTally {
  /** The table version these figures describe. */
  version: number;
  counts: Record<FileStatus, number>;
  /** Failed and unsupported files, by path. */
  problems: Map<string, FileRow>;
  /** Indexed paths by content id; each list is sorted and replaced, never changed, when a path comes or goes. */
  indexed: Map<string, readonly string[]>;
  /** The copy of `indexed` handed out (callers compare it by identity to know whether anything changed). */
  published: ReadonlyMap<string, readonly string[]> | undefined;
}

/**
 * Reads the tally of the files table at `version` (its path, status and content id columns), in this
 * machine's paths: `localPath` translates a stored path, undefined for a root not mapped here (such rows
 * are not this machine's to count or show).
 */
export async function loadTally(
  files: Table,
  version: number,
  problemFromRow: (row: Record<string, unknown>) => FileRow | undefined,
  localPath: (stored: string) => string | undefined,
): Promise<FilesTally> {
  const read = await queryColumns(files, ['path', 'status', 'contentId']);
  const [paths, statuses, ids] = [read.text('path'), read.text('status'), read.text('contentId')];
  const rows: TalliedRow[] = [];
  for (let i = 0; i < read.rows; i++) {
    const path = localPath(paths[i]!);
    if (path !== undefined) rows.push({ path, status: statuses[i] as FileStatus, contentId: ids[i] ?? null });
  }
  return tallyOf(files, version, rows, problemFromRow);
}

/**
 * The tally of `rows`, every row of the files table at `version` in this machine's paths (a caller that
 * has just read them all, as a full index does, saves the tally its own read).
 */
export async function tallyOf(
  files: Table,
  version: number,
  rows: Iterable<TalliedRow>,
  problemFromRow: (row: Record<string, unknown>) => FileRow | undefined,
): Promise<FilesTally> {
  const tally: FilesTally = {
    version,
    counts: Object.fromEntries(FILE_STATUSES.map((s) => [s, 0])) as Record<FileStatus, number>,
    problems: new Map(),
    indexed: new Map(),
    published: undefined,
  };
  const indexed = new Map<string, string[]>();
  for (const { path, status, contentId: id } of rows) {
    tally.counts[status] = (tally.counts[status] ?? 0) + 1;
    if (status !== 'indexed' || !id) continue;
    const list = indexed.get(id);
    if (list) list.push(path);
    else indexed.set(id, [path]);
  }
  for (const list of indexed.values()) if (list.length > 1) list.sort();
  tally.indexed = indexed;
  if (tally.counts.failed + tally.counts.unsupported > 0)
    for (const row of await queryAll(files, `status IN ('failed', 'unsupported')`)) {
      const problem = problemFromRow(row);
      if (problem) tally.problems.set(problem.path, problem);
    }
  return tally;
}

/**
 * The rows a write is about to replace or delete (by stored path), as the tally needs them, in this
 * machine's paths (empty when none).
 */
export async function rowsBeingReplaced(
  files: Table,
  storedPaths: readonly string[],
  localPath: (stored: string) => string | undefined,
): Promise<TalliedRow[]> {
  if (storedPaths.length === 0) return [];
  const rows = await queryIn(files, 'path', storedPaths, { columns: ['path', 'status', 'contentId'] });
  const out: TalliedRow[] = [];
  for (const r of rows) {
    const path = localPath(String(r.path));
    if (path === undefined) continue;
    out.push({
      path,
      status: r.status as FileStatus,
      contentId: r.contentId === null || r.contentId === undefined ? null : String(r.contentId),
    });
  }
  return out;
}

/** Takes `removed` out of the tally and puts `added` in (an upsert is both; a delete only removes). */
export function applyToTally(
  tally: FilesTally,
  removed: readonly TalliedRow[],
  added: readonly FileRow[],
): void {
  for (const row of removed) {
    tally.counts[row.status] = Math.max(0, (tally.counts[row.status] ?? 0) - 1);
    if (isProblem(row.status)) tally.problems.delete(row.path);
    if (row.status === 'indexed' && row.contentId) {
      const list = tally.indexed.get(row.contentId)?.filter((p) => p !== row.path);
      if (list && list.length > 0) tally.indexed.set(row.contentId, list);
      else tally.indexed.delete(row.contentId);
    }
  }
  for (const row of added) {
    tally.counts[row.status] = (tally.counts[row.status] ?? 0) + 1;
    if (isProblem(row.status)) tally.problems.set(row.path, row);
    if (row.status === 'indexed' && row.contentId) {
      const list = tally.indexed.get(row.contentId) ?? [];
      if (!list.includes(row.path)) tally.indexed.set(row.contentId, [...list, row.path].sort());
    }
  }
  tally.published = undefined;
}

/**
 * Whether `versions` (those a write's commits returned, in order) follow `before` with nothing in
 * between: each is the previous one plus one, or the same where a commit changed nothing.
 */
export function followsDirectly(
  before: number,
  versions: readonly (number | undefined)[],
): number | undefined {
  let last = before;
  for (const v of versions) {
    if (v === undefined) continue;
    if (v !== last && v !== last + 1) return undefined;
    last = v;
  }
  return last;
}
