// Run by watch-limit.test.ts inside a user namespace whose inotify limit is low: watches a library
// with more folders than the limit allows and reports, as JSON lines, what the library says and does.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { openLibrary } from '../../../main/library/library.js';

const [dataDir, root] = process.argv.slice(2) as [string, string];
const report = (o: unknown) => process.stdout.write(`${JSON.stringify(o)}\n`);

const library = await openLibrary({ dataDir, watch: { debounceMs: 150, stabilityMs: 200 } });
await library.addFolder(root);
await library.startWatching();
report({ atStart: (await library.status()).watchWarning ?? null });

// A photo added to the top folder, which is watched (it is walked first), is still picked up.
const before = (await library.status()).photoCount;
await writeFile(
  join(root, 'new.jpg'),
  await sharp({ create: { width: 64, height: 48, channels: 3, background: '#c01020' } })
    .jpeg()
    .toBuffer(),
);
const deadline = Date.now() + 20_000;
while ((await library.status()).photoCount === before && Date.now() < deadline) {
  await new Promise((r) => setTimeout(r, 100));
}
report({ indexedWhileWatching: (await library.status()).photoCount - before });

await library.stopWatching();
report({ afterStop: (await library.status()).watchWarning ?? null });
await library.close();
