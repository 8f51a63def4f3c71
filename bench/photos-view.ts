// The Photos view at 100,000 photos in Chromium (web mode): how long until the first screen of thumbnails
// shows after navigating to it, and how long frames take while scrolling through the timeline.
//   node --import tsx bench/photos-view.ts [--photos 100000] [--keep DIR]
// The library is seeded as e2e/support/seed-library.ts does (real files, thumbnails and demo-model vectors,
// rows through the store's writes); with --keep DIR it is kept there and reused by the next run.
// In the same run it measures a FLOOR: a plain page with as many absolutely positioned thumbnails (the
// same library's real, distinct thumbnails) scrolled the same way, re-positioned by plain DOM code. What the
// view costs beyond that floor is ours; the floor itself is this machine's paint, raster and image decode.
// Chrome's Performance.getMetrics splits each scroll's time into script, style, layout and the rest.
// Results are printed as JSON, written to bench/out/photos-view.json and, as a short section between
// markers, into BENCHMARKS.md (replaced on each run; bench/run-bench.ts keeps it when it rewrites the file).
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildRenderer } from '../main/server/renderer-build.js';
import { startWebMode } from '../main/server/serve.js';
import { chromiumMissing, openBrowser } from '../e2e/support/browser.js';
import { seedLibrary } from '../e2e/support/seed-library.js';
import { summarize } from './stats.js';
import {
  PHOTOS_VIEW_SECTION_END as SECTION_END,
  PHOTOS_VIEW_SECTION_START as SECTION_START,
} from './report.js';
import { writeFileAtomic } from '../main/temp-files.js';
import type { LatencySummary } from './stats.js';
import { MEDIA_ROUTES } from '../main/api/types.js';
import type { Page } from 'playwright-core';

/** Distinct thumbnails the floor cycles through (400 frames of 250 px pass about this many). */
const FLOOR_IMAGES = 4000;
const FRAMES = 400;
const STEP_PX = 250;

const { values } = parseArgs({
  options: {
    photos: { type: 'string', default: '100000' },
    keep: { type: 'string' },
    // Also prints the functions that took the most time (self time) while the view scrolled.
    profile: { type: 'boolean', default: false },
  },
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
  // tsx compiles the functions below that run in the page with esbuild's keepNames, which wraps inner
  // functions in a __name helper the page does not have.
  await page.addInitScript('globalThis.__name = (f) => f');
  const load = () => loadavg().map((l) => Math.round(l * 100) / 100);
  const loadBefore = load();

  // First screen: from navigation to every thumbnail on screen decoded, three times (the first one cold),
  // with where the time went, from the page's own timings (ms from navigation start).
  const firstScreen: number[] = [];
  const breakdowns: FirstScreenBreakdown[] = [];
  for (let round = 0; round < 3; round++) {
    const t0 = performance.now();
    await page.goto(web.server.url);
    await page.waitForFunction(allOnScreenDecoded);
    firstScreen.push(performance.now() - t0);
    breakdowns.push(await page.evaluate(firstScreenBreakdown));
  }

  // Scrolling: 400 frames, each moving the timeline 250 px (a brisk wheel), timing every frame.
  const ours = await measureScroll(page, '[data-testid="timeline"]', '[data-testid="photo-cell"]');

  // The floor, in the same page (same origin, same thumbnail URLs and cache), with as many thumbnails.
  const contentIds: string[] = [];
  const timeline = await web.api.handlers['photos.timeline']({});
  for (const m of timeline.months) {
    if (contentIds.length >= FLOOR_IMAGES) break;
    for (const p of await web.api.handlers['photos.month']({ month: m.month })) contentIds.push(p.contentId);
  }
  const token = new URL(page.url()).searchParams.get('token') ?? '';
  const urls = contentIds
    .slice(0, FLOOR_IMAGES)
    .map(
      (id) => `./media${MEDIA_ROUTES.thumbnail}${encodeURIComponent(id)}?token=${encodeURIComponent(token)}`,
    );
  await page.evaluate(buildFloorPage, { urls, tiles: ours.maxTiles, height: ours.scrollHeight });
  await page.waitForFunction(allOnScreenDecoded);
  const floor = await measureScroll(page, '#floor', 'img');
  const loadAfter = load();

  const ratio = (a: LatencySummary, b: LatencySummary) => ({
    p50: round2(a.p50 / b.p50),
    p95: round2(a.p95 / b.p95),
  });
  const result = {
    photos: count,
    seedSeconds: Math.round(seedSeconds),
    loadAverage: { before: loadBefore, after: loadAfter },
    firstScreenMs: summarize(firstScreen),
    firstScreenBreakdownMs: breakdowns,
    scrollFrameMs: ours.frames,
    floorScrollFrameMs: floor.frames,
    scrollVsFloor: ratio(ours.frames, floor.frames),
    perFrameMs: { ours: ours.perFrame, floor: floor.perFrame },
    maxTilesInPage: ours.maxTiles,
    scrollHeightPx: ours.scrollHeight,
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  await mkdir(join('bench', 'out'), { recursive: true });
  await writeFile(join('bench', 'out', 'photos-view.json'), `${JSON.stringify(result, null, 2)}\n`);
  await writeSection(result);
} finally {
  await browser.close();
  await web.close();
  if (!values.keep) await rm(root, { recursive: true, force: true });
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

/** In the page: every thumbnail on the first screen is decoded. */
function allOnScreenDecoded(): boolean {
  const d = globalThis as unknown as { document: { querySelectorAll(s: string): ArrayLike<unknown> } };
  const imgs = Array.from(
    d.document.querySelectorAll('[data-testid="photo-cell"] img, #floor img'),
  ) as Array<{
    complete: boolean;
    naturalWidth: number;
    getBoundingClientRect(): { top: number; bottom: number };
  }>;
  const onScreen = imgs.filter((i) => i.getBoundingClientRect().top < 900);
  return onScreen.length > 0 && onScreen.every((i) => i.complete && i.naturalWidth > 0);
}

interface FirstScreenBreakdown {
  /** The HTML's response ends. */
  html: number;
  /** The script bundle has arrived, and the page's DOMContentLoaded (the bundle parsed and run). */
  bundle: number;
  domContentLoaded: number;
  /** Each API call: when it started and ended. */
  api: Record<string, [number, number]>;
  /** The thumbnails: the first one asked for, the last one received. */
  thumbnailsFirstStart: number;
  thumbnailsLastEnd: number;
  thumbnails: number;
}

/** In the page: where the time to the first screen went (ms from navigation start). */
function firstScreenBreakdown(): FirstScreenBreakdown {
  type Entry = { name: string; startTime: number; responseEnd: number };
  const perf = (globalThis as unknown as { performance: { getEntriesByType(t: string): unknown[] } })
    .performance;
  const nav = perf.getEntriesByType('navigation')[0] as {
    responseEnd: number;
    domContentLoadedEventEnd: number;
  };
  const resources = perf.getEntriesByType('resource') as Entry[];
  const r = (n: number) => Math.round(n);
  const api: Record<string, [number, number]> = {};
  for (const e of resources) {
    const m = /\/api\/call\/([\w.]+)/.exec(e.name);
    if (m?.[1] && !api[m[1]]) api[m[1]] = [r(e.startTime), r(e.responseEnd)];
  }
  const thumbs = resources.filter((e) => e.name.includes('/media/thumb/'));
  const bundle = resources.find((e) => /\.js(\?|$)/.test(e.name));
  return {
    html: r(nav.responseEnd),
    bundle: r(bundle?.responseEnd ?? 0),
    domContentLoaded: r(nav.domContentLoadedEventEnd),
    api,
    thumbnailsFirstStart: r(Math.min(...thumbs.map((e) => e.startTime))),
    thumbnailsLastEnd: r(Math.max(...thumbs.map((e) => e.responseEnd))),
    thumbnails: thumbs.length,
  };
}

/** In the page: replaces it with the floor, `tiles` absolutely positioned images in a scroller as tall. */
function buildFloorPage(o: { urls: string[]; tiles: number; height: number }): void {
  type El = {
    style: Record<string, string>;
    id: string;
    src: string;
    scrollTop: number;
    clientWidth: number;
    appendChild(c: El): void;
    addEventListener(t: string, f: () => void): void;
  };
  const d = (
    globalThis as unknown as { document: { body: El & { innerHTML: string }; createElement(t: string): El } }
  ).document;
  d.body.innerHTML = '';
  const scroller = d.createElement('div');
  scroller.id = 'floor';
  Object.assign(scroller.style, { position: 'fixed', inset: '0', overflowY: 'auto' });
  const inner = d.createElement('div');
  Object.assign(inner.style, { position: 'relative', height: `${o.height}px` });
  scroller.appendChild(inner);
  d.body.appendChild(scroller);
  const rowHeight = 200;
  const gap = 6;
  const columns = Math.max(1, Math.floor((scroller.clientWidth + gap) / (rowHeight * 1.3 + gap)));
  const width = (scroller.clientWidth - gap * (columns - 1)) / columns;
  const imgs: El[] = [];
  for (let k = 0; k < o.tiles; k++) {
    const img = d.createElement('img');
    Object.assign(img.style, {
      position: 'absolute',
      objectFit: 'cover',
      width: `${width}px`,
      height: `${rowHeight}px`,
    });
    inner.appendChild(img);
    imgs.push(img);
  }
  // The rows from one screen above on: each image takes its slot there, its own thumbnail (by slot number).
  const place = () => {
    const firstRow = Math.max(0, Math.floor((scroller.scrollTop - 600) / (rowHeight + gap)));
    imgs.forEach((img, k) => {
      const row = firstRow + Math.floor(k / columns);
      const col = k % columns;
      img.style.top = `${row * (rowHeight + gap)}px`;
      img.style.left = `${col * (width + gap)}px`;
      const src = o.urls[(row * columns + col) % o.urls.length] as string;
      if (!img.src.endsWith(src.slice(1))) img.src = src;
    });
  };
  place();
  scroller.addEventListener('scroll', place);
}

interface ScrollResult {
  frames: LatencySummary;
  maxTiles: number;
  scrollHeight: number;
  /** Chrome's own accounting over the run, per frame: script, style, layout, the rest (paint, raster, decode). */
  perFrame: { script: number; style: number; layout: number; other: number; total: number };
}

/** Scrolls `scroller` FRAMES times by STEP_PX, one step per animation frame, timing each frame. */
async function measureScroll(page: Page, scroller: string, tile: string): Promise<ScrollResult> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  const metrics = async () => {
    const { metrics: list } = await cdp.send('Performance.getMetrics');
    return Object.fromEntries(list.map((m) => [m.name, m.value])) as Record<string, number>;
  };
  const profiling = values.profile && tile.includes('photo-cell');
  if (profiling) {
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.start');
  }
  const before = await metrics();
  const run = await page.locator(scroller).evaluate(
    async (el, o) => {
      const w = globalThis as unknown as { requestAnimationFrame(f: (t: number) => void): void };
      const frames: number[] = [];
      let maxTiles = 0;
      let last = await new Promise<number>((r) => w.requestAnimationFrame(r));
      for (let i = 0; i < o.frames; i++) {
        el.scrollTop += o.step;
        const now = await new Promise<number>((r) => w.requestAnimationFrame(r));
        frames.push(now - last);
        last = now;
        maxTiles = Math.max(maxTiles, el.querySelectorAll(o.tile).length);
      }
      return { frames, maxTiles, scrollHeight: el.scrollHeight };
    },
    { frames: FRAMES, step: STEP_PX, tile },
  );
  const after = await metrics();
  if (profiling) {
    const { profile } = await cdp.send('Profiler.stop');
    const self = new Map<string, number>();
    const dt = profile.timeDeltas ?? [];
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    (profile.samples ?? []).forEach((id, i) => {
      const f = byId.get(id)?.callFrame;
      const key = f ? `${f.functionName || '(anonymous)'} ${f.url.split('/').pop()}:${f.lineNumber}` : '?';
      self.set(key, (self.get(key) ?? 0) + (dt[i] ?? 0) / 1000);
    });
    const top = [...self].sort((a, b) => b[1] - a[1]).slice(0, 25);
    for (const [k, ms] of top) process.stderr.write(`${(ms / FRAMES).toFixed(2)} ms/frame  ${k}\n`);
  }
  await cdp.detach();
  const per = (name: string) => (((after[name] ?? 0) - (before[name] ?? 0)) * 1000) / FRAMES;
  const script = per('ScriptDuration');
  const style = per('RecalcStyleDuration');
  const layout = per('LayoutDuration');
  const total = per('TaskDuration');
  return {
    frames: summarize(run.frames),
    maxTiles: run.maxTiles,
    scrollHeight: run.scrollHeight,
    perFrame: {
      script: round2(script),
      style: round2(style),
      layout: round2(layout),
      other: round2(total - script - style - layout),
      total: round2(total),
    },
  };
}

/** Replaces (or appends) this benchmark's section of BENCHMARKS.md. */
async function writeSection(r: {
  photos: number;
  loadAverage: { before: number[]; after: number[] };
  firstScreenMs: LatencySummary;
  firstScreenBreakdownMs: FirstScreenBreakdown[];
  scrollFrameMs: LatencySummary;
  floorScrollFrameMs: LatencySummary;
  scrollVsFloor: { p50: number; p95: number };
  perFrameMs: { ours: ScrollResult['perFrame']; floor: ScrollResult['perFrame'] };
  maxTilesInPage: number;
}): Promise<void> {
  const ms = (n: number) => `${Math.round(n)} ms`;
  const warm = r.firstScreenBreakdownMs[r.firstScreenBreakdownMs.length - 1];
  const apis = warm
    ? Object.entries(warm.api)
        .map(([k, [a, b]]) => `${k} ${a}–${b}`)
        .join(', ')
    : '';
  const pf = (p: ScrollResult['perFrame']) =>
    `${p.script} / ${p.style} / ${p.layout} / ${p.other} (total ${p.total})`;
  const section = [
    SECTION_START,
    '## Photos view, 100,000 photos (bench/photos-view.ts)',
    '',
    `Chromium headless (software rendering), 1440×900, web mode; ${r.photos.toLocaleString('en')} photos. ` +
      `Load average (1/5/15 min) before ${r.loadAverage.before.join(' / ')}, after ${r.loadAverage.after.join(' / ')}. ` +
      `The floor is a plain page with the same number of absolutely positioned thumbnails (${r.maxTilesInPage}, the ` +
      "same library's distinct thumbnails) scrolled the same way, re-positioned by plain DOM code.",
    '',
    '| | ours | floor | ours / floor | target |',
    '|---|---|---|---|---|',
    `| first screen (navigation → on-screen thumbnails decoded), p50 of 3 | ${ms(r.firstScreenMs.p50)} | | | ≤ 300 ms |`,
    `| scroll frame p50 (${FRAMES} frames × ${STEP_PX} px) | ${ms(r.scrollFrameMs.p50)} | ${ms(r.floorScrollFrameMs.p50)} | ${r.scrollVsFloor.p50} | ≤ 16 ms |`,
    `| scroll frame p95 | ${ms(r.scrollFrameMs.p95)} | ${ms(r.floorScrollFrameMs.p95)} | ${r.scrollVsFloor.p95} | |`,
    `| per frame: script / style / layout / other, ms | ${pf(r.perFrameMs.ours)} | ${pf(r.perFrameMs.floor)} | | |`,
    '',
    warm
      ? `Where the first screen's time goes (last, warm round; ms from navigation): HTML ${warm.html}, bundle ${warm.bundle}, ` +
        `DOMContentLoaded ${warm.domContentLoaded}; API calls (start–end) ${apis}; ${warm.thumbnails} thumbnails ` +
        `${warm.thumbnailsFirstStart}–${warm.thumbnailsLastEnd}.`
      : '',
    '',
    '`node --import tsx bench/photos-view.ts --keep DIR` (the first run seeds the library in DIR, later runs reuse it).',
    SECTION_END,
  ].join('\n');
  const file = 'BENCHMARKS.md';
  const old = existsSync(file) ? await readFile(file, 'utf8') : '';
  const a = old.indexOf(SECTION_START);
  const b = old.indexOf(SECTION_END);
  const next =
    a >= 0 && b > a
      ? old.slice(0, a) + section + old.slice(b + SECTION_END.length)
      : `${old.replace(/\n*$/, '')}\n\n${section}\n`;
  await writeFileAtomic(file, next);
}
