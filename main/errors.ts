/**
 * An error whose message is meant for the person using Lookbook: it says what went wrong and, where
 * possible, what to do. The CLI prints it without a stack trace; the API sends it to the renderer as is.
 * Anything else that escapes is a bug and is logged once, at the boundary (main/log.ts: with its stack
 * under --verbose or LOOKBOOK_DEBUG=1).
 */
export class UserError extends Error {
  constructor(
    message: string,
    /** A stable machine-readable code for the API ('model-not-found', 'unsupported-format', …). */
    readonly code: string = 'user-error',
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'UserError';
  }
}

export function isUserError(e: unknown): e is UserError {
  return e instanceof UserError;
}

/** A short description of any thrown value, for per-file statuses and logs. */
export function describeError(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
