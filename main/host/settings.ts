import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { UserError } from '../errors.js';
import { tempPathFor } from '../temp-files.js';

// `<dataDir>/settings.json` is shared by every area (library, models, tagging, tuning): each reads the
// whole file, changes its own keys and writes it back, keeping keys it does not know.

export interface FolderSettings {
  /** Where the folder is on this machine. */
  path: string;
  /**
   * The library's root this folder is (see [Note: roots] in main/store/root-keys.ts): the id file rows
   * store, so that machines mounting one share at different places see the same photos. Absent only in
   * settings written before roots; the library gives such a folder a root when it opens.
   */
  root?: string;
  /** Absolute sub-paths the user excluded. */
  excluded?: string[];
  /** Glob-like patterns ('*.tmp', 'drafts/**', 'Private') matched against names and relative paths. */
  patterns?: string[];
}

export interface LibrarySettings {
  /** The model used for indexing and search; the demo model when absent. */
  activeModel?: string;
  /** onnxruntime intra-op threads while indexing. */
  indexThreads?: number;
  /** Files decoded and preprocessed at once while the model runs. */
  decodeConcurrency?: number;
  folders?: FolderSettings[];
  device?: string;
  /** The spec (id or folder) that produced each model's vectors, by model id: search may fall back to one. */
  libraryModels?: Record<string, string>;
  /** Where the library's tables live when not in the data directory (a shared folder, s3://…). */
  store?: string;
  [key: string]: unknown;
}

export function settingsPath(dataDir: string): string {
  return join(dataDir, 'settings.json');
}

export function readSettings(dataDir: string): LibrarySettings {
  const file = settingsPath(dataDir);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new UserError(`cannot read ${file}: ${(e as Error).message}`, 'settings-unreadable', { cause: e });
  }
  try {
    const parsed = JSON.parse(text) as unknown;
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
      throw new Error('not an object');
    return parsed as LibrarySettings;
  } catch (e) {
    throw new UserError(
      `${file} is not valid JSON (${(e as Error).message}); fix or delete it`,
      'settings-invalid',
      { cause: e },
    );
  }
}

/**
 * Read-modify-write of the settings file. The write goes to a temporary file renamed over the old one,
 * so a crash never leaves half a file, and other areas' keys survive.
 */
export function updateSettings(dataDir: string, change: (s: LibrarySettings) => void): LibrarySettings {
  const settings = readSettings(dataDir);
  change(settings);
  const file = settingsPath(dataDir);
  mkdirSync(dirname(file), { recursive: true });
  const tmp = tempPathFor(file);
  writeFileSync(tmp, JSON.stringify(settings, null, 2) + '\n');
  renameSync(tmp, file);
  return settings;
}
