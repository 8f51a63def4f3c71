// Run by watch-limit.test.ts inside a user namespace whose inotify limit is low: watches a library
// with more folders than the limit allows and reports, as JSON lines, what the library says and does.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { openCore } from '../../../main/core/open-core.js';

const [dataDir, root] = process.argv.slice(2) as [string, string];
const report = (o: unknown) => process.stdout.write(`${JSON.stringify(o)}\n`);

const core = await openCore({ dataDir, library: { watch: { debounceMs: 150, stabilityMs: 200 } } });
const library = core.library;
await library.addFolder(root);
await library.startWatching();
report({ atStart: (await core.status()).watchWarning ?? null });

// A photo added to the top folder, which is watched (it is walked first), is still picked up.
const before = (await core.status()).photoCount;
await writeFile(
  join(root, 'new.jpg'),
  await sharp({ create: { width: 64, height: 48, channels: 3, background: '#c01020' } })
    .jpeg()
    .toBuffer(),
);
const deadline = Date.now() + 20_000;
while ((await core.status()).photoCount === before && Date.now() < deadline) {
  await new Promise((r) => setTimeout(r, 100));
}
report({ indexedWhileWatching: (await core.status()).photoCount - before });

await library.stopWatching();
report({ afterStop: (await core.status()).watchWarning ?? null });
await core.close();
