import type { Table } from '@lancedb/lancedb';
import { contentsSchema } from './schemas.js';
import {
  appendRows,
  deleteIn,
  inList,
  queryAll,
  queryColumns,
  queryIn,
  removeDuplicateKeys,
  sqlString,
  toNumber,
  toText,
  upsertRows,
  type Row,
} from './sql.js';

// The `contents` table: one row per distinct photo content (its sha256), with the metadata search
// filters on. Identical copies share a row; a moved file keeps it.

export interface ContentRow {
  contentId: string;
  width: number | null;
  height: number | null;
  /** Milliseconds since the epoch. */
  takenAt: number | null;
  takenAtSource: 'exif' | 'file' | null;
  cameraMake: string | null;
  cameraModel: string | null;
  latitude: number | null;
  longitude: number | null;
  format: string | null;
  size: number;
  thumbnail: boolean;
  addedAt: number;
}

export interface ContentFilter {
  /** Inclusive lower bound on takenAt (ms). */
  after?: number;
  /** Exclusive upper bound on takenAt (ms). */
  before?: number;
  /** Lower-case format names ('jpeg', 'png', …). */
  formats?: string[];
}

/** What the Photos view lays out by: a content's date, displayed size and format. */
export type ContentSummary = Pick<ContentRow, 'contentId' | 'takenAt' | 'width' | 'height' | 'format'>;

export interface ContentsTable {
  getContents(contentIds: readonly string[]): Promise<ContentRow[]>;
  /** Up to `limit` content ids that start with `prefix` (lower-case hex). */
  contentIdsStartingWith(prefix: string, limit: number): Promise<string[]>;
  upsertContents(rows: ContentRow[]): Promise<void>;
  /** Writes contents that have no row yet (the caller knows): an append, see FilesTable.appendFiles. */
  appendContents(rows: ContentRow[]): Promise<void>;
  /**
   * Leaves one row per content (see removeDuplicateKeys); returns how many contents had several, and
   * every content id (the column it had to read: a restart needs no second read of it).
   */
  removeDuplicateContents(): Promise<{ repaired: number; contentIds: Set<string> }>;
  countContents(): Promise<number>;
  /**
   * Every content's date, size and format, in one scan of those columns. Cached until the contents table
   * changes (a version check, which also sees other processes' writes); treat the list as read-only.
   */
  contentSummaries(): Promise<readonly ContentSummary[]>;
  /** Content ids matching metadata filters; undefined filter → undefined (no restriction). */
  contentIdsMatching(filter: ContentFilter): Promise<Set<string> | undefined>;
  /** Contents that no file references any more (moved away, deleted): candidates for removal. */
  orphanContentIds(): Promise<string[]>;
  deleteContents(contentIds: readonly string[]): Promise<void>;
}

function contentFromRow(r: Row): ContentRow {
  return {
    contentId: String(r.contentId),
    width: toNumber(r.width),
    height: toNumber(r.height),
    takenAt: toNumber(r.takenAt),
    takenAtSource: toText(r.takenAtSource) as ContentRow['takenAtSource'],
    cameraMake: toText(r.cameraMake),
    cameraModel: toText(r.cameraModel),
    latitude: toNumber(r.latitude),
    longitude: toNumber(r.longitude),
    format: toText(r.format),
    size: toNumber(r.size) ?? 0,
    thumbnail: Boolean(r.thumbnail),
    addedAt: toNumber(r.addedAt) ?? 0,
  };
}

const contentIdsOf = (rows: Row[]) => rows.map((r) => String(r.contentId));

/** The contents table's methods; `files` is read to find the contents no file references. */
export function contentsTable(contents: Table, files: Table): ContentsTable {
  let summariesCache: { version: number; rows: readonly ContentSummary[] } | undefined;

  return {
    async getContents(contentIds) {
      return (await queryIn(contents, 'contentId', contentIds)).map(contentFromRow);
    },
    async contentIdsStartingWith(prefix, limit) {
      if (!/^[0-9a-f]*$/.test(prefix)) throw new Error(`not a hex prefix: ${prefix}`);
      const rows = await contents
        .query()
        .where(`starts_with(contentId, ${sqlString(prefix)})`)
        .select(['contentId'])
        .limit(limit)
        .toArray();
      return contentIdsOf(rows as Row[]);
    },
    async upsertContents(rows) {
      // mergeInsert rejects a batch holding one key twice; the last write for a content wins.
      const byId = new Map(rows.map((r) => [r.contentId, r]));
      await upsertRows(contents, 'contentId', contentsSchema, [...byId.values()]);
    },
    async appendContents(rows) {
      await appendRows(contents, contentsSchema, [...new Map(rows.map((r) => [r.contentId, r])).values()]);
    },
    async removeDuplicateContents() {
      const { repaired, keys } = await removeDuplicateKeys(contents, 'contentId', contentsSchema);
      return { repaired, contentIds: keys };
    },
    async countContents() {
      return contents.countRows();
    },
    async contentSummaries() {
      const version = await contents.version();
      if (summariesCache?.version === version) return summariesCache.rows;
      const read = await queryColumns(contents, ['contentId', 'takenAt', 'width', 'height', 'format']);
      const [ids, takenAt, width, height, format] = [
        read.text('contentId'),
        read.numbers('takenAt'),
        read.numbers('width'),
        read.numbers('height'),
        read.text('format'),
      ];
      const rows = ids.map((contentId, i): ContentSummary => ({
        contentId: contentId!,
        takenAt: takenAt[i] ?? null,
        width: width[i] ?? null,
        height: height[i] ?? null,
        format: format[i] ?? null,
      }));
      summariesCache = { version, rows };
      return rows;
    },
    async contentIdsMatching(filter) {
      const clauses: string[] = [];
      if (filter.after !== undefined) clauses.push(`takenAt >= ${Number(filter.after)}`);
      if (filter.before !== undefined) clauses.push(`takenAt < ${Number(filter.before)}`);
      if (filter.formats && filter.formats.length > 0)
        clauses.push(
          inList(
            'format',
            filter.formats.map((f) => f.toLowerCase()),
          ),
        );
      if (clauses.length === 0) return undefined;
      return new Set(contentIdsOf(await queryAll(contents, clauses.join(' AND '), ['contentId'])));
    },
    async orphanContentIds() {
      // Column-wise: every restart and every watched batch asks (see queryColumns).
      const referenced = new Set(
        (await queryColumns(files, ['contentId'], 'contentId IS NOT NULL')).text('contentId'),
      );
      const all = (await queryColumns(contents, ['contentId'])).text('contentId') as string[];
      return all.filter((id) => !referenced.has(id));
    },
    async deleteContents(contentIds) {
      await deleteIn(contents, 'contentId', contentIds);
    },
  };
}
