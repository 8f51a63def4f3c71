// Where Electron's binary is, found without require('electron') (which would try to download it).
// Shared by `npm start` and the Electron end-to-end tests.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The binary's path, or undefined when it has not been downloaded. */
export function electronBinary(root) {
  if (process.env.ELECTRON_OVERRIDE_DIST_PATH) {
    const p = join(
      process.env.ELECTRON_OVERRIDE_DIST_PATH,
      process.platform === 'win32' ? 'electron.exe' : 'electron',
    );
    return existsSync(p) ? p : undefined;
  }
  const pkg = join(root, 'node_modules', 'electron');
  const pathFile = join(pkg, 'path.txt');
  if (!existsSync(pathFile)) return undefined;
  const p = join(pkg, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(p) ? p : undefined;
}
