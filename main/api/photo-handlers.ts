// The API's photo view: a photo's metadata, tags and captions (fine-tuning pairs) in one answer; and the
// Photos view's timeline (months and their photos).
import { UserError } from '../errors.js';
import type { PhotoLookup } from '../library/photos.js';
import type { Timeline } from '../search/timeline.js';
import { filterOptions } from '../search/filters.js';
import { photoSummary } from './library-handlers.js';
import type { ApiHandlers, PhotoDetails, PhotoTag } from './types.js';

export function createPhotoHandlers(ctx: {
  library: PhotoLookup;
  timeline: Timeline;
  tags(contentId: string): Promise<PhotoTag[]>;
  captions(contentId: string): Promise<string[]>;
}): Pick<ApiHandlers, 'photos.get' | 'photos.timeline' | 'photos.month'> {
  return {
    'photos.get': async ({ id }): Promise<PhotoDetails> => {
      const photo = await ctx.library.getPhoto(id);
      if (!photo) throw new UserError('That photo is no longer in the library.', 'photo-not-found');
      const [tags, captions] = await Promise.all([ctx.tags(photo.contentId), ctx.captions(photo.contentId)]);
      const camera = [photo.cameraMake, photo.cameraModel].filter(Boolean).join(' ') || null;
      const metadata: PhotoDetails['metadata'] = {};
      if (photo.takenAtSource === 'file') metadata['Date from'] = 'file modification time (no EXIF date)';
      if (photo.latitude !== null && photo.longitude !== null) {
        metadata.Location = `${photo.latitude.toFixed(5)}, ${photo.longitude.toFixed(5)}`;
      }
      if (photo.paths.length > 1) metadata.Copies = photo.paths.length;
      return {
        ...photoSummary(photo),
        sizeBytes: photo.sizeBytes,
        modifiedAt: null,
        camera,
        metadata,
        tags,
        captions,
      };
    },
    'photos.timeline': ({ filters }) => ctx.timeline.summary(filterOptions(filters)),
    'photos.month': async ({ month, filters }) =>
      (await ctx.timeline.month(month, filterOptions(filters))).map(photoSummary),
  };
}
