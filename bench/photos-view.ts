// The Photos view at 100,000 photos in Chromium (web mode): how long until the first screen of thumbnails
// shows after navigating to it, and how long frames take while scrolling through the timeline.
//   node --import tsx bench/photos-view.ts [--photos 100000] [--keep DIR]
// The library is seeded as e2e/support/seed-library.ts does (real files, thumbnails and demo-model vectors,
// rows through the store's writes); with --keep DIR it is kept there and reused by the next run.
// Results are printed as JSON and written to bench/out/photos-view.json.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildRenderer } from '../main/server/renderer-build.js';
import { startWebMode } from '../main/server/serve.js';
import { chromiumMissing, openBrowser } from '../e2e/support/browser.js';
import { seedLibrary } from '../e2e/support/seed-library.js';
import { summarize } from './stats.js';

const { values } = parseArgs({
  options: { photos: { type: 'string', default: '100000' }, keep: { type: 'string' } },
});
const count = Number(values.photos);
const missing = chromiumMissing();
if (missing) {
  process.stderr.write(`${missing}\n`);
  process.exit(1);
}

const root = values.keep ?? (await mkdtemp(join(tmpdir(), 'lookbook-bench-photos-')));
const dataDir = join(root, 'data');
let seedSeconds = 0;
if (!existsSync(join(dataDir, 'seeded'))) {
  const t0 = performance.now();
  await seedLibrary(dataDir, join(root, 'Archive'), count, new Date(2025, 5, 28, 12), 2);
  await writeFile(join(dataDir, 'seeded'), String(count));
  seedSeconds = (performance.now() - t0) / 1000;
}
await buildRenderer();
const web = await startWebMode({ dataDir, port: 0, model: 'demo', log: () => undefined });
const browser = await openBrowser();
try {
  for (let i = 0; i < 1200; i++) {
    const s = await web.api.handlers['library.status']({});
    if (s.photoCount === count && (s.indexing.phase === 'done' || s.indexing.phase === 'idle')) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  const page = browser.page;
  await page.setViewportSize({ width: 1440, height: 900 });

  // First screen: from navigation to every thumbnail on screen decoded, three times (the first one cold).
  const firstScreen: number[] = [];
  for (let round = 0; round < 3; round++) {
    const t0 = performance.now();
    await page.goto(web.server.url);
    await page.waitForFunction(() => {
      const d = globalThis as unknown as { document: { querySelectorAll(s: string): ArrayLike<unknown> } };
      const imgs = Array.from(d.document.querySelectorAll('[data-testid="photo-cell"] img')) as Array<{
        complete: boolean;
        naturalWidth: number;
        getBoundingClientRect(): { top: number; bottom: number };
      }>;
      const onScreen = imgs.filter((i) => i.getBoundingClientRect().top < 900);
      return onScreen.length > 0 && onScreen.every((i) => i.complete && i.naturalWidth > 0);
    });
    firstScreen.push(performance.now() - t0);
  }

  // Scrolling: 400 frames, each moving the timeline 250 px (a brisk wheel), timing every frame.
  const scroll = await page.getByTestId('timeline').evaluate(async (el) => {
    const w = globalThis as unknown as { requestAnimationFrame(f: (t: number) => void): void };
    const frames: number[] = [];
    let maxTiles = 0;
    let last = await new Promise<number>((r) => w.requestAnimationFrame(r));
    for (let i = 0; i < 400; i++) {
      el.scrollTop += 250;
      const now = await new Promise<number>((r) => w.requestAnimationFrame(r));
      frames.push(now - last);
      last = now;
      maxTiles = Math.max(maxTiles, el.querySelectorAll('[data-testid="photo-cell"]').length);
    }
    return { frames, maxTiles, scrollHeight: el.scrollHeight };
  });

  const result = {
    photos: count,
    seedSeconds: Math.round(seedSeconds),
    firstScreenMs: summarize(firstScreen),
    scrollFrameMs: summarize(scroll.frames),
    maxTilesInPage: scroll.maxTiles,
    scrollHeightPx: scroll.scrollHeight,
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  await mkdir(join('bench', 'out'), { recursive: true });
  await writeFile(join('bench', 'out', 'photos-view.json'), `${JSON.stringify(result, null, 2)}\n`);
} finally {
  await browser.close();
  await web.close();
  if (!values.keep) await rm(root, { recursive: true, force: true });
}
