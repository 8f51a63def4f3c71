// Lookbook's own folder, where its package.json is: the same answer whether a module runs from the
// TypeScript sources (main/…) or from the compiled build (dist/electron/main/…), which sit at different
// depths, so no module may count `../` to reach it.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface LookbookPackage {
  /** The folder holding package.json (the repository root in a checkout), with a trailing separator. */
  root: string;
  version: string;
}

let found: LookbookPackage | undefined;

export function lookbookPackage(): LookbookPackage {
  if (found) return found;
  for (let dir = new URL('.', import.meta.url), parent; ; dir = parent) {
    try {
      const pkg = JSON.parse(readFileSync(new URL('package.json', dir), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'lookbook') {
        found = { root: fileURLToPath(dir), version: pkg.version ?? 'unknown' };
        return found;
      }
    } catch {
      // no package.json here: look one folder up
    }
    parent = new URL('..', dir);
    if (parent.href === dir.href) throw new Error(`Lookbook's package.json is not above ${import.meta.url}`);
  }
}
