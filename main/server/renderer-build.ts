// Where the built renderer lives, and building it when it is missing (web mode from a checkout).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type * as Vite from 'vite';
import { UserError, describeError } from '../errors.js';
import { lookbookPackage } from '../package-root.js';

/** The repository root (from the sources or from the compiled core alike). */
export const REPO_ROOT = lookbookPackage().root;

export function defaultRendererDir(): string {
  return join(REPO_ROOT, 'dist', 'renderer');
}

/**
 * Built and up to date: in a checkout, a build older than the renderer's sources (after a `git pull`)
 * would serve yesterday's interface, so it counts as not built. A packaged app has no sources beside it.
 */
export function isRendererBuilt(dir = defaultRendererDir()): boolean {
  const index = join(dir, 'index.html');
  if (!existsSync(index)) return false;
  const sources = join(REPO_ROOT, 'renderer');
  if (!existsSync(sources)) return true;
  return statSync(index).mtimeMs >= newestMtime(sources);
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** Builds renderer/ into dist/renderer with Vite (a devDependency: present in a checkout). */
export async function buildRenderer(log: (line: string) => void = () => undefined): Promise<string> {
  const outDir = defaultRendererDir();
  let vite: typeof Vite;
  try {
    vite = await import('vite');
  } catch (e) {
    throw new UserError(
      `The interface is not built and Vite is not installed to build it (${describeError(e)}). Run \`npm install\`, then \`npm run build:renderer\`.`,
      'renderer-missing',
    );
  }
  log('Building the interface (once)…');
  await vite.build({
    root: join(REPO_ROOT, 'renderer'),
    configFile: join(REPO_ROOT, 'renderer', 'vite.config.ts'),
    logLevel: 'warn',
  });
  return outDir;
}
