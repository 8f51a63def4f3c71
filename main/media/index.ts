// Reading photos: the public surface of main/media for the library, engine and API.
export { MediaError, isMediaError } from './errors.js';
export type { MediaErrorCode } from './errors.js';
export {
  classifyPath,
  formatFromExtension,
  sniffFormat,
  PHOTO_FILE_EXTENSIONS,
  DECODERS,
} from './formats.js';
export type { Classification, Decoder, PhotoFormat } from './formats.js';
export {
  DEFAULT_MAX_PIXELS,
  asMediaError,
  decodePixels,
  loadImage,
  openImage,
  openImageInput,
  probeImage,
  toSharp,
} from './decode.js';
export type { ImageProbe, LoadedImage, OpenOptions } from './decode.js';
export { readMetadata } from './metadata.js';
export type { PhotoMetadata } from './metadata.js';
export { makeThumbnail, thumbnailSize } from './thumbnail.js';
export type { Thumbnail } from './thumbnail.js';
export { contentId } from './content-id.js';
