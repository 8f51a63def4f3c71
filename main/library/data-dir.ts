import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { mkdirSync } from 'node:fs';

/**
 * Where all of a library's state lives (LanceDB, thumbnails, models, settings).
 * Order: an explicit value (`--data-dir`), then LOOKBOOK_DATA_DIR, then the OS's usual place for
 * application data. Electron passes app.getPath('userData') explicitly, so the core never asks Electron.
 */
export function resolveDataDir(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (explicit) return resolve(explicit);
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
  mkdirSync(dir, { recursive: true });
  return dir;
}
