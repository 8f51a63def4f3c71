import { statfsSync } from 'node:fs';
import { dirname } from 'node:path';
import { formatBytes } from './format-bytes.js';

/**
 * An error whose message is meant for the person using Lookbook: it says what went wrong and, where
 * possible, what to do. The CLI prints it without a stack trace; the API sends it to the renderer as is.
 * Anything else that escapes is a bug and is logged once, at the boundary (main/log.ts: with its stack
 * under --verbose or LOOKBOOK_DEBUG=1).
 */
export class UserError extends Error {
  /** What the person most likely meant (an existing folder for a mistyped one): the app offers it. */
  readonly suggestion: string | undefined;

  constructor(
    message: string,
    /** A stable machine-readable code for the API ('model-not-found', 'unsupported-format', …). */
    readonly code: string = 'user-error',
    options?: { cause?: unknown; suggestion?: string },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'UserError';
    this.suggestion = options?.suggestion;
  }
}

export function isUserError(e: unknown): e is UserError {
  return e instanceof UserError;
}

/** A short description of any thrown value, for per-file statuses and logs. */
export function describeError(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  if (!isUserError(e) && isDiskFull(e)) return 'no space left on the disk';
  return withoutRustSources(e.message);
}

// [Note: disk full] A full disk reaches Lookbook two ways: Node's fs calls throw ENOSPC, and LanceDB
// (Rust) throws a plain Error whose text holds "No space left on device (os error 28)" after its own
// crate paths. isDiskFull recognises both, here only; the CLI's top-level handler and the API's
// errorBody then say it in words with diskFullMessage. Nothing is lost when it happens: every table write
// is one LanceDB commit (all or nothing) and every file goes through a temporary name (main/temp-files.ts),
// so what was saved before stays, and a re-run once there is space finishes the job.

/** Whether `e`, or an error it wraps (`cause`), says the disk is full. */
export function isDiskFull(e: unknown): boolean {
  let x: unknown = e;
  for (let depth = 0; x instanceof Error && depth < 8; depth++, x = x.cause) {
    const err = x as NodeJS.ErrnoException;
    // fs.watch's ENOSPC means "too many watched folders" (inotify's limit), not a full disk.
    if (err.code === 'ENOSPC' && err.syscall !== 'watch') return true;
    if (/No space left on device \(os error 28\)/.test(err.message)) return true;
  }
  return false;
}

/**
 * What to tell the person when the disk is full: which disk (the file Node names, else the data
 * directory, where LanceDB writes), how much is free now, and that nothing was lost.
 */
export function diskFullMessage(e: unknown, dataDir?: string): string {
  const named = (e as NodeJS.ErrnoException | undefined)?.path;
  const where = typeof named === 'string' ? named : dataDir;
  let free = '';
  if (where) {
    // A file that could not be created does not exist: its folder is on the same disk.
    for (const path of [where, dirname(where)]) {
      try {
        const s = statfsSync(path);
        free = `, ${formatBytes(Number(s.bavail) * Number(s.bsize))} free`;
        break;
      } catch {
        // Not knowable from here: the rest of the message still holds.
      }
    }
  }
  const place = where ? ` holding ${where === dataDir ? `the data directory ${where}` : where}` : '';
  return (
    `the disk${place} is full${free}. Nothing was lost: what was saved before is kept. ` +
    'Free some space and run it again to finish.'
  );
}

/** LanceDB's messages end with the Rust source line that raised them; nobody using Lookbook needs that. */
function withoutRustSources(message: string): string {
  return message.replace(/,? ?(\/[^\s,]*)?\/[^\s,]*\.rs:\d+:\d+/g, '');
}
