// The API's requests that move files: resolving duplicates into Lookbook's trash, undoing a
// resolution, and the trash itself (list, restore, empty), over main/duplicates/'s resolver. Listing
// groups and choosing keepers are duplicate-handlers.ts's.
import type { TrashRecord } from '../duplicates/trash.js';
import { resolveFound } from '../duplicates/resolver.js';
import type { AreaContext } from './tagging-handlers.js';
import type { ApiHandlers, TrashItem } from './types.js';

type TrashMethods = 'duplicates.resolve' | 'duplicates.undo' | 'trash.list' | 'trash.restore' | 'trash.empty';

export function trashItem(r: TrashRecord): TrashItem {
  return {
    originalPath: r.originalPath,
    trashedAt: r.trashedAt,
    sizeBytes: r.sizeBytes,
    resolutionId: r.resolutionId,
  };
}

export function createTrashHandlers(ctx: Pick<AreaContext, 'core'>): Pick<ApiHandlers, TrashMethods> {
  const { core } = ctx;
  return {
    'duplicates.resolve': (r) => resolveFound(core.duplicates(), core.resolver(), r),
    'duplicates.undo': (r) => core.resolver().undo(r.id),
    'trash.list': async () => (await core.resolver().trashItems()).map(trashItem),
    // The items still in the trash afterwards: the ones not restored (their path is taken) stay listed.
    'trash.restore': async (r) => {
      await core.resolver().restore(r.originalPaths);
      return (await core.resolver().trashItems()).map(trashItem);
    },
    'trash.empty': () => core.resolver().empty(),
  };
}
