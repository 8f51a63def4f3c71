import { UserError } from '../errors.js';

/** Why a photo could not be read. Stable strings: the indexer stores them per file and the UI groups by them. */
export type MediaErrorCode =
  | 'unsupported-format'
  | 'corrupt'
  | 'too-large'
  | 'empty'
  | 'permission-denied'
  | 'missing'
  | 'not-a-file'
  | 'io-error';

/** A per-file failure to read a photo. The message names the file and says what is wrong with it. */
export class MediaError extends UserError {
  declare readonly code: MediaErrorCode;

  constructor(
    message: string,
    code: MediaErrorCode,
    /** The file concerned, so a caller can group failures without parsing the message. */
    readonly path: string,
    options?: { cause?: unknown },
  ) {
    super(message, code, options);
    this.name = 'MediaError';
  }
}

export function isMediaError(e: unknown): e is MediaError {
  return e instanceof MediaError;
}

/**
 * Turns a Node file-system error into a MediaError with a reason a person understands. Anything that is
 * already a MediaError passes through, so callers can wrap whole blocks.
 */
export function fsErrorToMediaError(e: unknown, path: string): MediaError {
  if (e instanceof MediaError) return e;
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return new MediaError(`${path}: the file no longer exists (moved or deleted)`, 'missing', path, {
        cause: e,
      });
    case 'EACCES':
    case 'EPERM':
      return new MediaError(
        `${path}: permission denied; Lookbook is not allowed to read this file`,
        'permission-denied',
        path,
        { cause: e },
      );
    case 'EISDIR':
      return new MediaError(`${path}: is a folder, not a file`, 'not-a-file', path, { cause: e });
    case 'ENAMETOOLONG':
      return new MediaError(`${path}: the path is too long for this system`, 'io-error', path, { cause: e });
    default:
      return new MediaError(
        `${path}: could not be read (${e instanceof Error ? e.message : String(e)})`,
        'io-error',
        path,
        { cause: e },
      );
  }
}
