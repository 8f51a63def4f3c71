import type { Table } from '@lancedb/lancedb';
import { sep } from 'node:path';
import { rootKey, rootIdOf, storedPrefix } from './root-keys.js';
import { rootsSchema } from './schemas.js';
import { inList, queryAll, queryColumns, sqlString, toNumber, underFolder, upsertRows } from './sql.js';

// The `roots` table: the library's folders as every machine sharing it names them (see [Note: roots] in
// root-keys.ts), and the two moves of file rows onto a root, each one commit of the files table, so a
// reader sees every row of a folder either before the move or after it, never half.

export interface RootRecord {
  id: string;
  /** The folder's name when it was added ('Photos'): what people recognise in `lookbook roots list`. */
  name: string;
  createdAt: number;
}

export interface RootsTable {
  listRoots(): Promise<RootRecord[]>;
  /** Records roots; an id already known keeps its name. */
  addRoots(roots: RootRecord[]): Promise<void>;
  /** Photos under each root (identical copies in one root are one photo), mapped here or not. */
  rootPhotoCounts(): Promise<Map<string, number>>;
  /** Up to `limit` paths of files under a root, relative to it with `/` between names. */
  sampleRootPaths(rootId: string, limit: number): Promise<string[]>;
  /**
   * Moves the rows stored with absolute paths under `folder` (written before roots existed) onto the
   * root: the library is not re-indexed, only its paths rewritten. Returns how many rows moved.
   */
  adoptLegacyRows(rootId: string, folder: string): Promise<number>;
  /**
   * Moves the rows of root `from` into root `to`, at `inside` (relative, `/` between names): a folder
   * added around an existing one takes its photos over. Returns how many rows moved.
   */
  moveRootRows(from: string, to: string, inside: string): Promise<number>;
  /** Forgets roots: their rows, then their records. Returns how many rows were removed. */
  deleteRoots(ids: readonly string[]): Promise<number>;
}

/** SQL: the length in characters of a literal (DataFusion's substr counts characters, not UTF-16 units). */
const characters = (s: string) => [...s].length;

export function rootsTable(roots: Table, files: Table): RootsTable {
  return {
    async listRoots() {
      const rows = await queryAll(roots);
      return rows
        .map((r) => ({ id: String(r.id), name: String(r.name), createdAt: toNumber(r.createdAt) ?? 0 }))
        .sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
    },
    async addRoots(records) {
      const known = new Set((await queryAll(roots, undefined, ['id'])).map((r) => String(r.id)));
      const fresh = records.filter((r) => !known.has(r.id));
      if (fresh.length > 0) await upsertRows(roots, 'id', rootsSchema, fresh);
    },
    async rootPhotoCounts() {
      const read = await queryColumns(
        files,
        ['folder', 'contentId'],
        `status = 'indexed' AND contentId IS NOT NULL AND starts_with(folder, '@')`,
      );
      const folders = read.text('folder');
      const ids = read.text('contentId');
      const contents = new Map<string, Set<string>>();
      for (let i = 0; i < read.rows; i++) {
        const root = rootIdOf(folders[i]!);
        if (root === undefined) continue;
        let set = contents.get(root);
        if (!set) contents.set(root, (set = new Set()));
        set.add(ids[i]!);
      }
      return new Map([...contents].map(([root, set]) => [root, set.size]));
    },
    async sampleRootPaths(rootId, limit) {
      const key = rootKey(rootId);
      const rows = await files
        .query()
        .where(`starts_with(path, ${sqlString(key + '/')})`)
        .select(['path'])
        .limit(limit)
        .toArray();
      return rows.map((r) => String((r as { path: unknown }).path).slice(key.length + 1));
    },
    async adoptLegacyRows(rootId, folder) {
      // '/photos' + '/2024/a.jpg' → '@id' + '/2024/a.jpg'; a folder ending in a separator (P:\) keeps
      // none, so the root's key gets one. Backslashes are separators only on Windows (a name on Linux).
      const prefix = rootKey(rootId) + (folder.endsWith(sep) ? '/' : '');
      const inside = `substr(path, ${characters(folder) + 1})`;
      const where = `${underFolder('path', folder)} AND NOT starts_with(path, '@')`;
      // Looked at every time the library opens: nothing to move writes nothing (no new table version).
      if ((await files.countRows(where)) === 0) return 0;
      const result = await files.update({
        where,
        valuesSql: {
          path: `concat(${sqlString(prefix)}, ${sep === '\\' ? `replace(${inside}, '\\', '/')` : inside})`,
          folder: sqlString(rootKey(rootId)),
        },
      });
      return result.rowsUpdated;
    },
    async moveRootRows(from, to, inside) {
      const fromKey = rootKey(from);
      const toKey = inside === '' ? rootKey(to) : `${rootKey(to)}/${inside}`;
      const result = await files.update({
        where: storedPrefix('path', fromKey),
        valuesSql: {
          path: `concat(${sqlString(toKey)}, substr(path, ${characters(fromKey) + 1}))`,
          folder: sqlString(rootKey(to)),
        },
      });
      return result.rowsUpdated;
    },
    async deleteRoots(ids) {
      if (ids.length === 0) return 0;
      const where = inList('folder', ids.map(rootKey));
      const rows = await files.countRows(where);
      if (rows > 0) await files.delete(where);
      await roots.delete(inList('id', ids));
      return rows;
    },
  };
}
