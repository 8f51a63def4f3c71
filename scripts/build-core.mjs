// `npm run build:electron`: compiles the core and the desktop shell to dist/electron/ (see
// compiled-core.mjs). With --optional (from `npm install`) a failure only says that `lookbook` will run
// from the TypeScript sources, and never fails the install; `--if-stale` does nothing when up to date.
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildCompiledCore, isCompiledCoreFresh } from './compiled-core.mjs';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const optional = process.argv.includes('--optional');
if (process.argv.includes('--if-stale') && isCompiledCoreFresh(root)) process.exit(0);
const failure = buildCompiledCore(root);
if (failure) {
  if (!optional) {
    console.error(failure);
    process.exit(1);
  }
  console.warn(
    `lookbook: could not compile the core, so \`lookbook\` will run from the TypeScript sources (slower to start):\n${failure}`,
  );
}
