#!/usr/bin/env node
// `npx lookbook …` from the repository: the compiled core when it is built and up to date
// (`npm install` builds it; a search starts about twice as fast), otherwise the TypeScript sources
// through tsx, so that an edit or a `git pull` never runs yesterday's build. Both run in this process.
import { dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { compiledCli, isCompiledCoreFresh } from '../scripts/compiled-core.mjs';

// onnxruntime's telemetry off (see main/engine/ort-privacy.ts, which the engine also applies): set here,
// on the main thread before the core or any worker thread starts, so the real environment that native
// code reads has it from the start, whichever core runs.
process.env.ORT_DISABLE_TELEMETRY = '1';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
let cli;
if (process.env.LOOKBOOK_FROM_SOURCES !== '1' && isCompiledCoreFresh(root)) {
  cli = await import(pathToFileURL(compiledCli(root)).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  cli = await import('../main/cli/cli.ts');
}
await cli.main(process.argv.slice(2));
