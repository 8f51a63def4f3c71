// The resolver's CopyMetadata over the real stores: tags (main/tagging's tag store), captions (the
// training pairs of main/tuning) and manual albums (main/albums). All three are kept by content id, so
// giving the keeper a removed copy's tag, caption or album place is adding a row for the keeper's id.
import type { AlbumService } from '../albums/album-service.js';
import type { TagStore } from '../tagging/tag-store.js';
import { pairId, type PairsStore } from '../tuning/pairs-store.js';
import type { PairSource } from '../store/pairs-table.js';
import type { CopyMetadata } from './resolver.js';

export interface CopyMetadataDeps {
  tags: () => TagStore;
  pairs: () => Promise<PairsStore>;
  albums: () => AlbumService;
}

export function createCopyMetadata(deps: CopyMetadataDeps): CopyMetadata {
  const labelsOf = async (contentId: string, states?: Array<'confirmed'>) =>
    ((await deps.tags().tagsFor([contentId], states)).get(contentId) ?? []).map((t) => t.label);
  return {
    confirmedTags: (contentId) => labelsOf(contentId, ['confirmed']),
    anyTags: (contentId) => labelsOf(contentId),
    async addTags(contentId, labels) {
      await deps.tags().addUserTags([contentId], labels);
    },
    async removeTags(contentId, labels) {
      await deps.tags().removeTags([contentId], labels);
    },
    async captions(contentId) {
      return (await (await deps.pairs()).list({ contentId })).map((p) => ({
        text: p.text,
        source: p.source,
      }));
    },
    async addCaptions(contentId, captions) {
      const pairs = await deps.pairs();
      // Only the pairs that are new are the keeper's gain (and what undo removes): the keeper may have
      // had the same caption already.
      const existing = new Set((await pairs.list({ contentId })).map((p) => p.id));
      const fresh = captions.filter((c) => !existing.has(pairId(contentId, c.text)));
      if (fresh.length === 0) return [];
      await pairs.add(fresh.map((c) => ({ contentId, text: c.text, source: c.source as PairSource })));
      return [...new Set(fresh.map((c) => pairId(contentId, c.text)))];
    },
    async removeCaptions(ids) {
      await (await deps.pairs()).remove({ ids });
    },
    async albumsWith(contentId) {
      const albums = deps.albums();
      const manual = (await albums.list()).filter((a) => a.kind === 'manual');
      const holding: string[] = [];
      for (const album of manual)
        if ((await albums.contentIds(album.id)).has(contentId)) holding.push(album.id);
      return holding;
    },
    async addToAlbum(albumId, contentId) {
      await deps.albums().add(albumId, [contentId]);
    },
    async removeFromAlbum(albumId, contentId) {
      await deps.albums().remove(albumId, [contentId]);
    },
  };
}
