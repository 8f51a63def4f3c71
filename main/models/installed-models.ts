// Models installed under <dataDir>/models/<id>, the manifest Lookbook writes beside them, and the active
// model setting. Folders whose names start with '.' are work in progress (downloads, imports) and are
// never listed as installed.
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import type { ModelLayout } from '../engine/types.js';
import { detectLayout } from '../engine/model-folder.js';
import { UserError } from '../errors.js';
import { readSettings, updateSettings } from '../host/settings.js';
import { tempPathFor } from '../temp-files.js';
import { findCatalogueEntry, isValidModelId, type CatalogueEntry } from './catalogue.js';
import type { ConvertedSource } from './quantize.js';

/** Written into each installed model folder: where it came from, for `models info` and `models list`. */
export const MANIFEST_FILE = 'lookbook-model.json';

export interface ModelManifest {
  id: string;
  name: string;
  installedAt: string;
  layout: ModelLayout;
  embedDim?: number;
  source:
    | { type: 'catalogue'; repo: string; revision: string; endpoint: string }
    | { type: 'import'; path: string }
    | ConvertedSource;
  files?: { path: string; size: number; sha256?: string }[];
}

export interface InstalledModel {
  id: string;
  dir: string;
  /** null when the folder holds neither layout (a broken or foreign folder). */
  layout: ModelLayout | null;
  sizeBytes: number;
  manifest?: ModelManifest;
  catalogue?: CatalogueEntry;
  active: boolean;
}

/** The files each layout needs; the engine reads more (configs), but without these nothing can load. */
export const LAYOUT_REQUIRED_FILES: Record<ModelLayout, string[]> = {
  immich: [
    'config.json',
    'textual/model.onnx',
    'textual/tokenizer.json',
    'textual/tokenizer_config.json',
    'visual/model.onnx',
    'visual/preprocess_cfg.json',
  ],
  hf: [
    'config.json',
    'tokenizer.json',
    'preprocessor_config.json',
    'onnx/text_model.onnx',
    'onnx/vision_model.onnx',
  ],
};

export function modelsDir(dataDir: string): string {
  return join(dataDir, 'models');
}

export function installedModelDir(dataDir: string, id: string): string {
  if (!isValidModelId(id)) throw new UserError(`'${id}' is not a valid model id`, 'invalid-model-id');
  return join(modelsDir(dataDir), id);
}

async function exists(p: string): Promise<boolean> {
  try {
    await fsp.access(p);
    return true;
  } catch {
    return false;
  }
}

async function isDir(p: string): Promise<boolean> {
  try {
    return (await fsp.stat(p)).isDirectory();
  } catch {
    return false;
  }
}

/** Which layout a folder looks like (the engine's own rule; no file is read). */
export function guessLayout(dir: string): ModelLayout | null {
  return detectLayout(dir) ?? null;
}

export interface LayoutCheck {
  layout: ModelLayout | null;
  missing: string[];
}

/** The folder's layout and the required files it lacks, for clear refusals before anything is loaded. */
export async function checkLayoutFiles(dir: string): Promise<LayoutCheck> {
  const layout = guessLayout(dir);
  if (!layout) return { layout: null, missing: [] };
  const missing: string[] = [];
  for (const f of LAYOUT_REQUIRED_FILES[layout]) if (!(await exists(join(dir, f)))) missing.push(f);
  return { layout, missing };
}

/** A complete model folder's layout, or null. */
export async function detectModelLayout(dir: string): Promise<ModelLayout | null> {
  const { layout, missing } = await checkLayoutFiles(dir);
  return layout && missing.length === 0 ? layout : null;
}

export async function folderSize(dir: string): Promise<number> {
  let total = 0;
  let entries;
  try {
    entries = await fsp.readdir(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) total += await folderSize(p);
    else if (e.isFile()) total += (await fsp.stat(p)).size;
  }
  return total;
}

export async function readManifest(dir: string): Promise<ModelManifest | undefined> {
  try {
    return JSON.parse(await fsp.readFile(join(dir, MANIFEST_FILE), 'utf8')) as ModelManifest;
  } catch {
    return undefined;
  }
}

export async function writeManifest(dir: string, manifest: ModelManifest): Promise<void> {
  await fsp.writeFile(join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
}

async function describeInstalled(
  dataDir: string,
  id: string,
  active: string | undefined,
): Promise<InstalledModel> {
  const dir = join(modelsDir(dataDir), id);
  const manifest = await readManifest(dir);
  const catalogue = findCatalogueEntry(id);
  return {
    id,
    dir,
    layout: await detectModelLayout(dir),
    sizeBytes: await folderSize(dir),
    ...(manifest ? { manifest } : {}),
    ...(catalogue && catalogue.id === id ? { catalogue } : {}),
    active: active === id,
  };
}

/** Every model folder under <dataDir>/models (work-in-progress folders excluded), sorted by id. */
export async function listInstalledModels(dataDir: string): Promise<InstalledModel[]> {
  let entries;
  try {
    entries = await fsp.readdir(modelsDir(dataDir), { withFileTypes: true });
  } catch {
    return [];
  }
  const active = await getActiveModel(dataDir);
  const ids = entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name);
  ids.sort((a, b) => a.localeCompare(b));
  return Promise.all(ids.map((id) => describeInstalled(dataDir, id, active)));
}

export async function getInstalledModel(dataDir: string, id: string): Promise<InstalledModel | undefined> {
  if (!isValidModelId(id)) return undefined;
  if (!(await isDir(join(modelsDir(dataDir), id)))) return undefined;
  return describeInstalled(dataDir, id, await getActiveModel(dataDir));
}

/**
 * Deletes an installed model. The folder is first renamed to a hidden name so that a crash halfway
 * through deleting never leaves something that looks installed. Clears `activeModel` if it pointed here.
 */
export async function removeInstalledModel(dataDir: string, id: string): Promise<{ wasActive: boolean }> {
  const dir = installedModelDir(dataDir, id);
  if (!(await isDir(dir))) throw new UserError(`model '${id}' is not installed`, 'model-not-installed');
  const doomed = tempPathFor(join(modelsDir(dataDir), `${id}-remove`));
  await fsp.rename(dir, doomed);
  await fsp.rm(doomed, { recursive: true, force: true });
  const wasActive = (await getActiveModel(dataDir)) === id;
  if (wasActive) updateSettings(dataDir, (s) => void delete s.activeModel);
  return { wasActive };
}

export async function getActiveModel(dataDir: string): Promise<string | undefined> {
  const v = readSettings(dataDir).activeModel;
  return typeof v === 'string' ? v : undefined;
}

/**
 * Makes `id` the active model. It must be installed (or be 'demo', which is generated on first use);
 * a catalogue id that is not installed gets a hint to pull it.
 */
export async function setActiveModel(dataDir: string, id: string): Promise<void> {
  if (id !== 'demo') {
    const installed = await getInstalledModel(dataDir, id);
    if (!installed) {
      const entry = findCatalogueEntry(id);
      const hint = entry ? `; run: lookbook models pull ${entry.id}` : '; see: lookbook models list';
      throw new UserError(`model '${id}' is not installed${hint}`, 'model-not-installed');
    }
    if (!installed.layout) {
      throw new UserError(
        `the folder ${installed.dir} is not a complete model; remove it or import it again`,
        'model-invalid',
      );
    }
    id = installed.id;
  }
  updateSettings(dataDir, (s) => {
    s.activeModel = id;
  });
}
