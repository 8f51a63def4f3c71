// Turns what the user typed for --model (a folder, 'demo', or an installed model's id) into a folder.
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { createClipEngine } from '../engine/clip-engine.js';
import type { ClipEngine, EngineOptions, ModelLocation } from '../engine/types.js';
import { UserError } from '../errors.js';
import { resolveDataDir } from '../host/data-dir.js';
import { ensureDemoModel } from './demo-model.js';

export type ResolvedModel = ModelLocation;

const DEMO_ID = 'demo';

function isDir(p: string): boolean {
  return existsSync(p) && statSync(p).isDirectory();
}

/** True when the folder's config.json carries the demo marker that the demo generator writes. */
async function readDemoMarker(dir: string): Promise<boolean> {
  try {
    const config = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')) as {
      lookbook?: { demo?: unknown };
    };
    return config.lookbook?.demo === true;
  } catch {
    return false;
  }
}

export async function resolveModelDir(spec: string, dataDir?: string): Promise<ResolvedModel> {
  const trimmed = spec.trim();
  if (!trimmed)
    throw new UserError(
      'no model given (use a model folder, an installed model id, or demo)',
      'model-not-found',
    );
  const asPath = resolve(trimmed);
  const looksLikePath = /[\\/]/.test(trimmed) || trimmed.startsWith('.');
  if (looksLikePath) {
    if (!isDir(asPath)) throw new UserError(`model folder ${asPath} does not exist`, 'model-not-found');
    return { dir: asPath, id: basename(asPath), isDemo: await readDemoMarker(asPath) };
  }
  // A bare name is an installed model's id first ('demo' always is), and a folder in the working directory second.
  const root = resolveDataDir(dataDir);
  if (trimmed === DEMO_ID) {
    const dir = await ensureDemoModel(join(root, 'models', DEMO_ID));
    return { dir, id: DEMO_ID, isDemo: true };
  }
  const installed = join(root, 'models', trimmed);
  if (isDir(installed)) return { dir: installed, id: trimmed, isDemo: await readDemoMarker(installed) };
  if (isDir(asPath)) return { dir: asPath, id: basename(asPath), isDemo: await readDemoMarker(asPath) };
  throw new UserError(`model ${trimmed} is not installed (see \`lookbook models list\`)`, 'model-not-found');
}

/** An engine for what the user named (a folder, 'demo', or an installed model's id). */
export async function createEngineForModel(
  spec: string,
  options: Omit<EngineOptions, 'model'> & { dataDir?: string } = {},
): Promise<ClipEngine> {
  const { dataDir, ...engineOptions } = options;
  return createClipEngine({ ...engineOptions, model: await resolveModelDir(spec, dataDir) });
}
