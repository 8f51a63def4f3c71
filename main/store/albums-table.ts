import type { Table } from '@lancedb/lancedb';
import { albumItemsSchema, albumsSchema } from './schemas.js';
import { deleteIn, queryAll, sqlString, toText, upsertRows, type Row } from './sql.js';

// The `albums` and `album_items` tables: albums and the photo contents in each manual album, in order.
// main/albums/album-service.ts decides what to write (names, order, smart queries); this module only
// reads and writes rows.

export type AlbumKind = 'manual' | 'smart';

export interface AlbumRecord {
  id: string;
  name: string;
  kind: AlbumKind;
  /** A smart album's saved query as JSON; null for a manual album. */
  smartQuery: string | null;
  /** The content id the user chose as cover; null: the first photo. */
  cover: string | null;
  /** Milliseconds since the epoch. */
  createdAt: number;
  updatedAt: number;
}

export interface AlbumsTable {
  listAlbums(): Promise<AlbumRecord[]>;
  getAlbum(id: string): Promise<AlbumRecord | undefined>;
  /** Writes an album, replacing the row of the same id. `nameKey` is what names are unique by. */
  upsertAlbum(album: AlbumRecord, nameKey: string): Promise<void>;
  /** The album whose name has this key (see upsertAlbum), if any. */
  albumWithNameKey(nameKey: string): Promise<AlbumRecord | undefined>;
  /** Deletes the album and its items (never a photo). */
  deleteAlbum(id: string): Promise<void>;
  /** A manual album's content ids, in album order. */
  itemsOf(albumId: string): Promise<string[]>;
  /**
   * Makes the album hold exactly `contentIds`, in this order. The new order is written first and the
   * photos no longer in it are deleted after: a crash in between leaves a photo too many, never one lost.
   */
  setItems(albumId: string, contentIds: readonly string[]): Promise<void>;
}

// A separator no album id or content id contains.
const SEP = '\u001f';
const itemRowId = (albumId: string, contentId: string) => `${albumId}${SEP}${contentId}`;

function albumFromRow(r: Row): AlbumRecord {
  return {
    id: String(r.id),
    name: String(r.name),
    kind: r.kind === 'smart' ? 'smart' : 'manual',
    smartQuery: toText(r.smartQuery),
    cover: toText(r.cover),
    createdAt: Number(r.createdAt),
    updatedAt: Number(r.updatedAt),
  };
}

/** The album tables' methods over the open `albums` and `album_items` tables. */
export function albumsTable(albums: Table, items: Table): AlbumsTable {
  const sameAlbum = (albumId: string) => `albumId = ${sqlString(albumId)}`;
  // Each album's order, read once per version of the items table (a version check also sees another
  // process's writes): opening an album, counting it and paging through it do not re-read and re-sort
  // its rows each time (a 10,000-photo album takes tens of ms to read).
  let cache: { version: number; orders: Map<string, readonly string[]> } | undefined;
  const itemsOf = async (albumId: string): Promise<string[]> => {
    const version = await items.version();
    if (cache?.version !== version) cache = { version, orders: new Map() };
    const known = cache.orders.get(albumId);
    if (known) return [...known];
    const rows = await queryAll(items, sameAlbum(albumId), ['contentId', 'position']);
    const order = rows
      .sort((a, b) => Number(a.position) - Number(b.position))
      .map((r) => String(r.contentId));
    cache.orders.set(albumId, order);
    return [...order];
  };
  return {
    async listAlbums() {
      return (await queryAll(albums)).map(albumFromRow);
    },
    async getAlbum(id) {
      const [row] = await queryAll(albums, `id = ${sqlString(id)}`);
      return row ? albumFromRow(row) : undefined;
    },
    async upsertAlbum(album, nameKey) {
      await upsertRows(albums, 'id', albumsSchema, [{ ...album, nameKey }]);
    },
    async albumWithNameKey(nameKey) {
      const [row] = await queryAll(albums, `nameKey = ${sqlString(nameKey)}`);
      return row ? albumFromRow(row) : undefined;
    },
    async deleteAlbum(id) {
      // The album first: a crash in between leaves items no album shows, never an album missing photos.
      await albums.delete(`id = ${sqlString(id)}`);
      await items.delete(sameAlbum(id));
    },
    itemsOf,
    async setItems(albumId, contentIds) {
      const before = await itemsOf(albumId);
      const rows = contentIds.map((contentId, position) => ({
        id: itemRowId(albumId, contentId),
        albumId,
        contentId,
        position,
      }));
      await upsertRows(items, 'id', albumItemsSchema, rows);
      const kept = new Set(contentIds);
      const gone = before.filter((id) => !kept.has(id)).map((id) => itemRowId(albumId, id));
      await deleteIn(items, 'id', gone);
    },
  };
}
