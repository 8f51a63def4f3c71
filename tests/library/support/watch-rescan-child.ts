// Run by watch-limit.test.ts inside a user namespace whose inotify limit is low: a photo added to, then
// removed from, a folder the library could not watch must still be found (by the periodic rescan), and
// the notice about unwatched folders must be said once however many rescans follow. Reports JSON lines.
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { openCore } from '../../../main/core/open-core.js';

const [dataDir, root] = process.argv.slice(2) as [string, string];
const report = (o: unknown) => process.stdout.write(`${JSON.stringify(o)}\n`);
const RESCAN_MS = 1000;

const core = await openCore({
  dataDir,
  library: { watch: { debounceMs: 150, stabilityMs: 200, rescanMs: RESCAN_MS } },
});
const library = core.library;
// Notices as a person sees them: a message that appears (the CLI prints each one it has not just printed).
let notices = 0;
let last: string | undefined;
library.onProgress((p) => {
  if (p.message && /Not watching/.test(p.message) && p.message !== last) notices++;
  last = p.message;
});
await library.addFolder(root);
await library.startWatching();
const warning = (await core.status()).watchWarning ?? '';
// The notice names one of the folders left unwatched.
const unwatched = /\(such as (.+?)\)/.exec(warning)?.[1] ?? '';
report({ unwatched });

const count = async () => (await core.status()).photoCount;
async function waitFor(check: () => Promise<boolean>): Promise<number> {
  const started = Date.now();
  while (!(await check()) && Date.now() - started < 20_000) await new Promise((r) => setTimeout(r, 100));
  return Date.now() - started;
}

const before = await count();
const photo = join(unwatched, 'added-while-unwatched.jpg');
await writeFile(
  photo,
  await sharp({ create: { width: 64, height: 48, channels: 3, background: '#2040d0' } })
    .jpeg()
    .toBuffer(),
);
const addedAfterMs = await waitFor(async () => (await count()) > before);
report({ added: (await count()) - before, addedAfterMs });

await rm(photo);
await waitFor(async () => (await count()) === before);
report({ removed: (await count()) === before });

// A few more rescans: the notice is not said again.
await new Promise((r) => setTimeout(r, 3 * RESCAN_MS));
report({ notices });
await library.stopWatching();
await core.close();
