// What every command module needs: the data directory from the global option, the core (main/core, the
// same composition root the app uses) opened and closed around the command's work, and number options with a clear message when they are out of range.
import type { Command } from 'commander';
import { UserError } from '../errors.js';
import { resolveDataDir } from '../host/data-dir.js';
import { openCore, type Core } from '../core/open-core.js';
import { logWarning } from '../log.js';

export function dataDirOf(cmd: Command): string {
  return resolveDataDir(cmd.optsWithGlobals<{ dataDir?: string }>().dataDir);
}

/** The store named by the global --store option (undefined: LOOKBOOK_STORE, the setting, or the default). */
export function storeOf(cmd: Command): string | undefined {
  return cmd.optsWithGlobals<{ store?: string }>().store;
}

/** Opens the core for one command and always closes it (the index lock and LanceDB handles). */
export async function withCore<T>(
  cmd: Command,
  fn: (core: Core) => Promise<T>,
  extra: { threads?: number } = {},
): Promise<T> {
  const core = await openCore({
    dataDir: dataDirOf(cmd),
    ...(storeOf(cmd) ? { store: storeOf(cmd) } : {}),
    ...(extra.threads ? { threads: extra.threads } : {}),
    onNotice: logWarning,
  });
  try {
    return await fn(core);
  } finally {
    await core.close();
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
