// Reading photos: the public surface of main/media for the library, engine and API.
export { MediaError, isMediaError } from './errors.js';
export type { MediaErrorCode } from './errors.js';
export {
  classifyPath,
  formatFromExtension,
  sniffFormat,
  PHOTO_FILE_EXTENSIONS,
  READABLE_PHOTO_EXTENSIONS,
  browserImageType,
  DECODERS,
} from './formats.js';
export type { Classification, Decoder, PhotoFormat } from './formats.js';
export {
  DEFAULT_MAX_PIXELS,
  asMediaError,
  decodePixels,
  decodeResized,
  loadImage,
  openImage,
  openImageInput,
  probeImage,
  toSharp,
} from './decode.js';
export type { DecodedPixels, ImageProbe, LoadedImage, OpenOptions } from './decode.js';
export { metadataOfProbed, readMetadata } from './metadata.js';
export type { PhotoMetadata } from './metadata.js';
export { makeThumbnail, makeThumbnailFromPixels, thumbnailSize } from './thumbnail.js';
export { readForIndex, sharedDecodeSize } from './index-read.js';
export type { IndexRead, IndexReadOptions, ModelInputNeed } from './index-read.js';
export type { Thumbnail } from './thumbnail.js';
export { contentId } from './content-id.js';
