import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { mkdirSync, statSync } from 'node:fs';
import { UserError } from '../errors.js';

/**
 * Where all of a library's state lives (LanceDB, thumbnails, models, settings).
 * Order: an explicit value (`--data-dir`), then LOOKBOOK_DATA_DIR, then the OS's usual place for
 * application data. Electron passes app.getPath('userData') explicitly, so the core never asks Electron.
 */
export function resolveDataDir(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (explicit !== undefined) {
    // An empty value (`--data-dir "$UNSET_VAR"`) must not silently fall back to the default library.
    if (explicit.trim() === '') throw new UserError('--data-dir is empty: give a folder', 'bad-data-dir');
    return resolve(explicit);
  }
  if (env.LOOKBOOK_DATA_DIR) return resolve(env.LOOKBOOK_DATA_DIR);
  return defaultDataDir(env);
}

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'Lookbook');
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Lookbook');
  return join(env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'lookbook');
}

/** Creates the data directory (and parents) if needed and returns it. */
export function ensureDataDir(dir: string): string {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'EEXIST' || code === 'ENOTDIR'
        ? 'it (or a folder above it) is a file, not a folder'
        : code === 'EACCES' || code === 'EPERM' || code === 'EROFS'
          ? 'it cannot be created here (no permission)'
          : (e as Error).message;
    throw new UserError(`cannot use ${dir} as the data directory: ${why}`, 'bad-data-dir', { cause: e });
  }
  if (!statSync(dir).isDirectory()) {
    throw new UserError(`cannot use ${dir} as the data directory: it is not a folder`, 'bad-data-dir');
  }
  return dir;
}
