// The API's duplicates requests that find and choose: the groups, a page at a time (largest saving
// first), and the user's keeper for a group. Over main/duplicates/'s finder, which caches the groups
// until the library changes, so paging and a keep right after a listing do not search again.
import { basename, dirname } from 'node:path';
import type { Core } from '../core/open-core.js';
import type { FoundCopy, FoundGroup } from '../duplicates/duplicate-finder.js';
import type { ApiHandlers, DuplicateCopy, DuplicateGroup } from './types.js';

type DuplicateMethods = 'duplicates.list' | 'duplicates.keep';

/** How many groups a page holds when the request does not say. */
const DEFAULT_PAGE = 50;

/**
 * A copy as the API shows it. Its `id` is its path: in an exact group every copy has the same content
 * id, so only the path tells them apart (duplicates.keep takes it as `photoId`).
 */
function copyView(c: FoundCopy): DuplicateCopy {
  return {
    id: c.path,
    contentId: c.contentId,
    path: c.path,
    name: basename(c.path),
    folder: dirname(c.path),
    format: c.format ?? '',
    width: c.width,
    height: c.height,
    takenAt: c.takenAt === null ? null : new Date(c.takenAt).toISOString(),
    sizeBytes: c.size,
    hasExifDate: c.hasExifDate,
    hasGps: c.hasGps,
    hasCamera: c.hasCamera,
    similarity: c.similarity,
  };
}

export function duplicateGroupView(g: FoundGroup): DuplicateGroup {
  return {
    id: g.id,
    kind: g.kind,
    copies: g.copies.map(copyView),
    keeperId: g.keeperPath,
    reason: g.reason,
    savingBytes: g.savingBytes,
  };
}

export function createDuplicateHandlers(core: Core): Pick<ApiHandlers, DuplicateMethods> {
  return {
    async 'duplicates.list'(req) {
      const { offset = 0, limit = DEFAULT_PAGE, ...scope } = req;
      const groups = await core.duplicates().find(scope);
      return {
        total: groups.length,
        totalSavingBytes: groups.reduce((s, g) => s + g.savingBytes, 0),
        offset,
        groups: groups.slice(offset, offset + limit).map(duplicateGroupView),
      };
    },
    async 'duplicates.keep'({ groupId, photoId }) {
      return duplicateGroupView(await core.duplicates().keep(groupId, photoId));
    },
  };
}
