// The one way Lookbook tells whoever runs it that something went wrong: a plain line on stderr,
// "lookbook: …". A stack trace follows an error only when asked for (the CLI's --verbose, or
// LOOKBOOK_DEBUG=1 in the environment of any process: CLI, web mode, the Electron shell's core): it helps
// whoever reports or fixes a bug and buries the message for everyone else.
import { describeError } from './errors.js';

let verbose = false;

/** Turns stack traces on for this process (the CLI's --verbose). */
export function setVerbose(on: boolean): void {
  verbose = on;
}

/** Whether errors come with their stack: --verbose, or LOOKBOOK_DEBUG set to anything but '' or '0'. */
export function isVerbose(): boolean {
  const debug = process.env.LOOKBOOK_DEBUG;
  return verbose || (debug !== undefined && debug !== '' && debug !== '0');
}

/** Something the person should know that is not a failure ("using the demo model…"). */
export function logWarning(message: string): void {
  process.stderr.write(`lookbook: ${message}\n`);
}

/**
 * Something failed: "lookbook: <message>: <what the error says>", and the error's stack when verbose.
 * `error` may be anything thrown; without it only the message is printed (a UserError's message is
 * already the whole story). Its shape is main/api/dispatch.ts' ErrorLogger, so it can be passed
 * wherever a logger is wanted.
 */
export function logError(message: string, error?: unknown): void {
  let text =
    error === undefined ? `lookbook: ${message}\n` : `lookbook: ${message}: ${describeError(error)}\n`;
  if (isVerbose() && error instanceof Error && error.stack) text += `${error.stack}\n`;
  process.stderr.write(text);
}
