// What every command module needs: the data directory from the global option, a library opened and
// closed around the command's work, and number options with a clear message when they are out of range.
import type { Command } from 'commander';
import { UserError } from '../errors.js';
import { resolveDataDir } from '../host/data-dir.js';
import { openLibrary, type Library } from '../library/library.js';

export function dataDirOf(cmd: Command): string {
  return resolveDataDir(cmd.optsWithGlobals<{ dataDir?: string }>().dataDir);
}

/** Opens the library for one command and always closes it (the index lock and LanceDB handles). */
export async function withLibrary<T>(
  cmd: Command,
  fn: (library: Library) => Promise<T>,
  extra: { threads?: number } = {},
): Promise<T> {
  const library = await openLibrary({ dataDir: dataDirOf(cmd), threads: extra.threads });
  try {
    return await fn(library);
  } finally {
    await library.close();
  }
}

/** A commander parser for a number option within [min, max]. */
export function numberIn(name: string, min: number, max: number, integer = false) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
      throw new UserError(
        `${name} must be ${integer ? 'a whole number' : 'a number'} from ${min} to ${max}, got '${value}'`,
      );
    }
    return n;
  };
}
