// The Photos view and selections in a real browser (web mode, Chromium): photos under their months in date
// order, each keeping its shape; selecting with clicks, Shift-click and the keyboard, and acting on the
// selection in one step; a 20,000-photo library that keeps the page small while scrolling, and the date
// scrubber. Screenshots at 1440×900 and 800×900 go to test-results/e2e/.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { TaggingProgress } from '../main/api/types.js';
import { buildRenderer } from '../main/server/renderer-build.js';
import { startWebMode } from '../main/server/serve.js';
import type { WebMode } from '../main/server/serve.js';
import { chromiumMissing, openBrowser, screenshot } from './support/browser.js';
import type { Browser } from './support/browser.js';
import { makeDatedPhoto } from './support/dated-photos.js';
import type { DatedPhoto } from './support/dated-photos.js';
import { seedLibrary } from './support/seed-library.js';

const skip = chromiumMissing();
if (skip) process.stderr.write(`e2e/organizer: skipped: ${skip}\n`);

const RED: [number, number, number] = [214, 32, 38];
const BLUE: [number, number, number] = [36, 70, 214];
const GREEN: [number, number, number] = [40, 168, 60];

/**
 * 44 photos over three months. Newest first, the timeline shows: July's 20 red ones (two days), March's
 * 14 red ones (two days) then its 4 blue portraits, January's 6 green ones (4 landscape, 2 portrait).
 * So the first 30 photos are all red, across two month headings and three day headings.
 */
function library(dir: string): DatedPhoto[] {
  const out: DatedPhoto[] = [];
  const add = (name: string, rgb: [number, number, number], w: number, h: number, dates: Date[]) =>
    dates.forEach((takenAt, i) =>
      out.push({ file: join(dir, `${name}-${i}.jpg`), rgb, width: w, height: h, takenAt }),
    );
  const day = (y: number, m: number, d: number, n: number) =>
    Array.from({ length: n }, (_, i) => new Date(y, m - 1, d, 18, 59 - i));
  add('red-july', RED, 240, 150, [...day(2024, 7, 10, 10), ...day(2024, 7, 5, 10)]);
  add('red-march', RED, 240, 150, [...day(2024, 3, 20, 7), ...day(2024, 3, 18, 7)]);
  add('blue-portrait', BLUE, 150, 240, day(2024, 3, 2, 4));
  add('green', GREEN, 240, 150, day(2024, 1, 15, 4));
  add('green-portrait', GREEN, 150, 240, day(2024, 1, 14, 2));
  return out;
}

async function waitForIndexed(web: WebMode, count: number): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const s = await web.api.handlers['library.status']({});
    if (s.photoCount === count && (s.indexing.phase === 'done' || s.indexing.phase === 'idle')) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the library did not reach ${count} photos`);
}

const monthsShown = (page: Page) =>
  page
    .getByTestId('month-heading')
    .evaluateAll((hs) => hs.map((h) => h.getAttribute('data-month')).filter((m): m is string => Boolean(m)));

/** Scrolls the timeline down until the tile matching `selector` is in the page (the grid is virtual). */
async function revealCellBy(page: Page, selector: string): Promise<void> {
  const cell = page.locator(selector);
  const timeline = page.getByTestId('timeline');
  for (let step = 0; step < 40 && (await cell.count()) === 0; step++) {
    await timeline.evaluate((el) => (el.scrollTop += el.clientHeight / 2));
    await page.waitForTimeout(100);
  }
  await cell.scrollIntoViewIfNeeded();
}
const revealCell = (page: Page, name: string) =>
  revealCellBy(page, `[data-testid="photo-cell"][data-name="${name}"]`);

/** Where an element of the timeline is in its content (from the top of the first month), in px. */
async function contentTop(page: Page, selector: string): Promise<number> {
  for (let attempt = 0; attempt < 40; attempt++) {
    await page.locator(selector).waitFor({ state: 'attached' });
    const top = await page.locator(selector).evaluate((el) => {
      // Null when the virtual grid re-rendered the tile between the lookup and this call.
      const timeline = el.closest('[data-testid="timeline"]');
      if (!timeline) return null;
      return el.getBoundingClientRect().top - timeline.getBoundingClientRect().top + timeline.scrollTop;
    });
    if (top !== null) return top;
    await page.waitForTimeout(50);
  }
  throw new Error(`${selector} never settled in the timeline`);
}

/** The tile's box on screen, once it has settled (a month arriving above it moves it once). */
const cellBox = async (page: Page, name: string) => {
  const cell = page.locator(`[data-testid="photo-cell"][data-name="${name}"]`);
  for (let attempt = 0; attempt < 20; attempt++) {
    if ((await cell.count()) > 0) {
      await cell.scrollIntoViewIfNeeded().catch(() => undefined);
      const box = await cell.boundingBox();
      if (box) return box;
    }
    await page.waitForTimeout(100);
  }
  assert.fail(`${name} is shown`);
};

describe('Photos view and selection in Chromium', { skip }, () => {
  let tmp: string;
  let web: WebMode;
  let browser: Browser;
  let page: Page;
  let photos: DatedPhoto[];
  let photosDir: string;

  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'lookbook-e2e-organizer-'));
    photosDir = join(tmp, 'Shop photos');
    photos = library(photosDir);
    let n = 0;
    for (const p of photos) await makeDatedPhoto(p, n++);
    await buildRenderer();
    web = await startWebMode({ dataDir: join(tmp, 'data'), port: 0, model: 'demo', log: () => undefined });
    browser = await openBrowser();
    page = browser.page;
    page.on('pageerror', (e) => process.stderr.write(`page error: ${e.message}\n`));
    await page.setViewportSize({ width: 1440, height: 900 });
  });

  after(async () => {
    await browser?.close();
    await web?.close();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('says what to do while the library is empty, and shows the photos as they are indexed', async () => {
    await page.goto(web.server.url);
    // A new user lands in Library; Photos says where photos come from.
    await page.getByRole('heading', { name: 'Add your first folder' }).waitFor();
    await page.getByRole('navigation').getByRole('button', { name: 'Photos', exact: true }).click();
    await page.getByRole('heading', { name: 'No photos yet' }).waitFor();
    await page.getByRole('button', { name: 'Add a folder' }).waitFor();
    await screenshot(page, 'organizer-00-empty-1440');
    // The folder is added (elsewhere): the view fills in by itself, no reload.
    await web.api.handlers['folders.add']({ path: photosDir });
    await waitForIndexed(web, photos.length);
    await page
      .getByTestId('photos-total')
      .filter({ hasText: `${photos.length} photos` })
      .waitFor();
    await page.getByTestId('month-heading').first().waitFor();
  });

  it('opens on Photos, with the photos under three month headings, newest month first', async () => {
    await page.goto(web.server.url);
    await page
      .getByRole('navigation')
      .getByRole('button', { name: 'Photos', exact: true })
      .and(page.locator('[aria-current="page"]'))
      .waitFor();
    await page.getByTestId('month-heading').first().waitFor();
    await page
      .locator('[data-testid="photo-cell"] img')
      .first()
      .evaluate((img) => (img as unknown as { decode(): Promise<void> }).decode());
    await screenshot(page, 'organizer-01-photos-1440');
    // Scrolling from top to bottom meets the months newest first, each heading above its own photos.
    const seen: string[] = [];
    const timeline = page.getByTestId('timeline');
    for (let step = 0; step < 40; step++) {
      for (const m of await monthsShown(page)) if (!seen.includes(m)) seen.push(m);
      const atEnd = await timeline.evaluate((el) => {
        const end = el.scrollTop + el.clientHeight >= el.scrollHeight - 1;
        el.scrollTop += el.clientHeight / 2;
        return end;
      });
      if (atEnd) break;
      await page.waitForTimeout(100);
    }
    assert.deepEqual(seen, ['2024-07', '2024-03', '2024-01']);
    // Each heading sits above its own photos (positions in the timeline, whatever its scroll).
    await timeline.evaluate((el) => (el.scrollTop = 0));
    const heading = (month: string) => `[data-testid="month-heading"][data-month="${month}"]`;
    const photo = (name: string) => `[data-testid="photo-cell"][data-name="${name}"]`;
    const julyTop = await contentTop(page, heading('2024-07'));
    assert.ok((await contentTop(page, photo('red-july-0.jpg'))) > julyTop);
    await revealCell(page, 'red-march-0.jpg');
    const marchTop = await contentTop(page, heading('2024-03'));
    assert.ok((await contentTop(page, photo('red-march-0.jpg'))) > marchTop);
    assert.ok((await contentTop(page, photo('red-july-19.jpg'))) < marchTop);
    await timeline.evaluate((el) => (el.scrollTop = 0));
    await page.setViewportSize({ width: 800, height: 900 });
    await page.getByTestId('month-heading').first().waitFor();
    await screenshot(page, 'organizer-01-photos-800');
    await page.setViewportSize({ width: 1440, height: 900 });
  });

  it('keeps each photo’s shape: portrait tiles are tall, landscape ones wide; square tiles on request', async () => {
    const ratio = (b: { width: number; height: number }) => b.width / b.height;
    const landscape = ratio(await cellBox(page, 'red-july-0.jpg'));
    assert.ok(
      Math.abs(landscape - 240 / 150) < 0.08,
      `a landscape tile is 1.6:1, got ${landscape.toFixed(3)}`,
    );
    await revealCell(page, 'blue-portrait-0.jpg');
    const portrait = ratio(await cellBox(page, 'blue-portrait-0.jpg'));
    assert.ok(
      Math.abs(portrait - 150 / 240) < 0.05,
      `a portrait tile is 0.625:1, got ${portrait.toFixed(3)}`,
    );
    // Square tiles: a setting, remembered after a reload.
    await page.getByLabel('Square tiles').check();
    await page.reload();
    await page.getByTestId('month-heading').first().waitFor();
    assert.ok(await page.getByLabel('Square tiles').isChecked());
    const square = ratio(await cellBox(page, 'red-july-0.jpg'));
    assert.ok(Math.abs(square - 1) < 0.02, `a square tile, got ${square.toFixed(3)}`);
    await page.getByLabel('Square tiles').uncheck();
  });

  it('opens a photo with a click or Enter; once something is selected, a click selects instead', async () => {
    const timeline = page.getByTestId('timeline');
    await timeline.evaluate((el) => (el.scrollTop = 0));
    const view = page.getByTestId('photo-view');
    await page.locator('[data-testid="photo-cell"][data-index="1"]').click();
    await view.waitFor();
    assert.equal(await view.locator('h2').innerText(), 'red-july-1.jpg');
    // The viewer walks through the timeline: the next photo is the next one shown.
    await page.keyboard.press('ArrowRight');
    await view.locator('h2', { hasText: 'red-july-2.jpg' }).waitFor();
    await page.keyboard.press('Escape');
    await view.waitFor({ state: 'detached' });
    // Enter on the focused photo opens it too.
    await timeline.focus();
    await page.keyboard.press('Home');
    await page.keyboard.press('Enter');
    await view.locator('h2', { hasText: 'red-july-0.jpg' }).waitFor();
    await page.keyboard.press('Escape');
    await view.waitFor({ state: 'detached' });
    // With one photo selected (Ctrl-click), a plain click adds to the selection rather than opening.
    await page.locator('[data-testid="photo-cell"][data-index="3"]').click({ modifiers: ['Control'] });
    await page.locator('[data-testid="photo-cell"][data-index="5"]').click();
    await page.locator('[data-testid="selection-count"][data-count="2"]').waitFor();
    assert.equal(await view.count(), 0);
    await page.locator('[data-testid="photo-cell"][data-index="5"]').click();
    await page.locator('[data-testid="selection-count"][data-count="1"]').waitFor();
    await page.getByRole('button', { name: 'Clear the selection' }).click();
    await page.getByTestId('selection-bar').waitFor({ state: 'detached' });
  });

  it('selects 30 photos with a click and a Shift-click, and confirms their suggested tag in one action', async () => {
    // The colours vocabulary suggests "red" for every red photo.
    const { runId } = await web.api.handlers['tagging.autoTag']({ vocabularyId: 'colours' });
    await new Promise<void>((resolve, reject) => {
      const off = web.api.subscribe('taggingProgress', (p: TaggingProgress) => {
        if (p.runId !== runId) return;
        if (p.phase === 'done') resolve();
        else if (p.phase !== 'running') reject(new Error(`tagging ended: ${p.phase} ${p.message ?? ''}`));
        if (p.phase !== 'running') off();
      });
    });
    const timelineOrder = [
      ...(await web.api.handlers['photos.month']({ month: '2024-07' })),
      ...(await web.api.handlers['photos.month']({ month: '2024-03' })),
    ];
    const red = timelineOrder.filter((p) => p.name.startsWith('red-'));
    assert.equal(red.length, 34);
    const chosen = new Set(red.slice(0, 30).map((p) => p.id));

    await page.reload();
    const first = page.locator('[data-testid="photo-cell"][data-index="0"]');
    await first.hover();
    await first.getByTestId('photo-check').click();
    await page.locator('[data-testid="selection-count"][data-count="1"]').waitFor();
    await revealCellBy(page, '[data-testid="photo-cell"][data-index="29"]');
    await page.locator('[data-testid="photo-cell"][data-index="29"]').click({ modifiers: ['Shift'] });
    await page.locator('[data-testid="selection-count"][data-count="30"]').waitFor();
    // The tiles in the page (the grid is virtual): the first 30 are selected, none after them.
    const marks = await page
      .getByTestId('photo-cell')
      .evaluateAll((cells) =>
        cells.map((c) => [Number(c.getAttribute('data-index')), c.getAttribute('aria-selected') === 'true']),
      );
    assert.ok(marks.length > 0);
    for (const [index, selected] of marks) assert.equal(selected, (index as number) < 30, `photo ${index}`);
    await screenshot(page, 'organizer-02-selected-1440');

    const bar = page.getByTestId('selection-bar');
    await bar.getByRole('button', { name: 'Suggested tags' }).click();
    await bar.getByLabel('Suggested tag').selectOption('red');
    await bar.getByRole('button', { name: 'Confirm' }).click();
    await page.getByTestId('toast').filter({ hasText: 'Confirmed “red” on 30 photos.' }).waitFor();

    // Exactly those 30 are confirmed; the other red photos still wait for a yes or no.
    for (const p of red) {
      const tag = (await web.api.handlers['photos.get']({ id: p.id })).tags.find((t) => t.tag === 'red');
      assert.equal(tag?.status, chosen.has(p.id) ? 'confirmed' : 'suggested', p.name);
    }
  });

  it('selects with the keyboard: arrows move, Space toggles, Ctrl+A takes every photo, Esc clears', async () => {
    const timeline = page.getByTestId('timeline');
    await page.keyboard.press('Escape');
    await page.getByTestId('selection-bar').waitFor({ state: 'detached' });
    await timeline.focus();
    await page.keyboard.press('Home');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('Space');
    await page.locator('[data-testid="selection-count"][data-count="1"]').waitFor();
    assert.equal(
      await page.locator('[data-testid="photo-cell"][aria-selected="true"]').getAttribute('data-index'),
      '1',
    );
    await page.keyboard.press('Control+a');
    await page.locator(`[data-testid="selection-count"][data-count="${photos.length}"]`).waitFor();
    await page.setViewportSize({ width: 800, height: 900 });
    await screenshot(page, 'organizer-03-selection-bar-800');
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.keyboard.press('Escape');
    await page.getByTestId('selection-bar').waitFor({ state: 'detached' });
  });

  it('acts on a selection: a new album, a tag, a caption, XMP files, similar photos', async () => {
    const timeline = page.getByTestId('timeline');
    await timeline.evaluate((el) => (el.scrollTop = 0));
    await timeline.focus();
    // The first three photos, from the keyboard: Space, then Shift+Space two photos on.
    await page.keyboard.press('Home');
    await page.keyboard.press('Space');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('Shift+Space');
    await page.locator('[data-testid="selection-count"][data-count="3"]').waitFor();
    const ids = await page
      .locator('[data-testid="photo-cell"][aria-selected="true"]')
      .evaluateAll((cells) => cells.map((c) => c.getAttribute('data-id')));
    const bar = page.getByTestId('selection-bar');
    const toast = (text: string) => page.getByTestId('toast').filter({ hasText: text }).waitFor();

    await bar.getByRole('button', { name: 'Album' }).click();
    await bar.getByLabel('New album name').fill('Window display');
    await bar.getByRole('button', { name: 'New album from selection' }).click();
    await toast('Made the album “Window display” with 3 photos.');
    const album = (await web.api.handlers['albums.list']({})).find((a) => a.name === 'Window display');
    assert.equal(album?.count, 3);
    // Out of the album again (the photos stay in the library).
    await bar.getByRole('button', { name: 'Album' }).click();
    await bar.getByLabel('Album', { exact: true }).selectOption({ label: 'Window display (3)' });
    await bar.getByRole('button', { name: 'Remove from album' }).click();
    await toast('Removed 3 photos from “Window display”');
    assert.equal((await web.api.handlers['albums.list']({})).find((a) => a.id === album!.id)?.count, 0);

    await bar.getByRole('button', { name: 'Add tag' }).click();
    await bar.getByLabel('Tag to add').fill('summer sale');
    await bar.getByLabel('Tag to add').press('Enter');
    await toast('Added “summer sale” to 3 photos.');
    for (const id of ids) {
      const tags = (await web.api.handlers['photos.get']({ id: id! })).tags;
      assert.ok(
        tags.some((t) => t.tag === 'summer sale' && t.status !== 'rejected'),
        `${id} is tagged`,
      );
    }

    const pairsBefore = (await web.api.handlers['pairs.overview']({})).total;
    await bar.getByRole('button', { name: 'Caption' }).click();
    await bar.getByLabel('Caption for the selected photos').fill('blorf jacket, front');
    await bar.getByRole('button', { name: 'Caption 3 photos' }).click();
    await toast('Captioned 3 photos');
    assert.equal((await web.api.handlers['pairs.overview']({})).total, pairsBefore + 3);

    await bar.getByRole('button', { name: 'Export XMP' }).click();
    await toast('Wrote tag files (XMP sidecars) next to 3 photos.');
    for (const id of ids) {
      const { path } = await web.api.handlers['photos.get']({ id: id! });
      assert.ok(existsSync(`${path}.xmp`), `${path}.xmp was written`);
    }
    await screenshot(page, 'organizer-04-actions-1440');

    // Show in folder needs the desktop app: not offered in a browser.
    assert.equal(await bar.getByRole('button', { name: 'Show in folder' }).count(), 0);

    await bar.getByRole('button', { name: 'Find similar' }).click();
    await page.getByText('Like the 3 photos you selected').waitFor();
    await page.locator('[data-testid="result-count"][data-state="ready"]').waitFor();
    const names = await page
      .getByTestId('photo-cell')
      .evaluateAll((cells) => cells.slice(0, 5).map((c) => c.getAttribute('data-name')));
    for (const n of names)
      assert.match(n ?? '', /^red-/, `red photos look like red ones: ${names.join(', ')}`);
    // Search results select the same way: Ctrl+A takes every result, not just those on screen.
    const total = Number((await page.getByTestId('result-count').innerText()).replace(/[^0-9]/g, ''));
    await page.locator('.grid-scroll').focus();
    await page.keyboard.press('Control+a');
    await page.locator(`[data-testid="selection-count"][data-count="${total}"]`).waitFor();
    await page.setViewportSize({ width: 800, height: 900 });
    await screenshot(page, 'organizer-05-search-selected-800');
    await page.setViewportSize({ width: 1440, height: 900 });
    // Scores are not on the tiles: they are in the hover text.
    assert.equal(await page.locator('.cell-score').count(), 0);
    assert.match(
      (await page.getByTestId('photo-cell').first().getAttribute('title')) ?? '',
      /match \d\.\d\d/,
    );
    await page.keyboard.press('Escape');
    await page.getByTestId('selection-bar').waitFor({ state: 'detached' });
    await page.getByRole('navigation').getByRole('button', { name: 'Photos', exact: true }).click();
    await page.getByTestId('month-heading').first().waitFor();
  });

  it('selects the photos a rectangle drawn on the background touches', async () => {
    const timeline = page.getByTestId('timeline');
    await timeline.evaluate((el) => (el.scrollTop = 0));
    const box = (await timeline.boundingBox())!;
    const a = await cellBox(page, 'red-july-0.jpg');
    const b = await cellBox(page, 'red-july-2.jpg');
    // From the heading's margin (the background, left of the first photo's row) to the third photo.
    await page.mouse.move(box.x + 2, a.y - 6);
    await page.mouse.down();
    await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 5 });
    await page.mouse.up();
    await page.locator('[data-testid="selection-count"][data-count="3"]').waitFor();
    await page.keyboard.press('Escape');
  });
});

describe('a 20,000-photo library in Chromium', { skip }, () => {
  const COUNT = 20_000;
  let tmp: string;
  let web: WebMode;
  let browser: Browser;
  let page: Page;
  let months: string[];

  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'lookbook-e2e-large-'));
    const dataDir = join(tmp, 'data');
    const seeded = await seedLibrary(dataDir, join(tmp, 'Archive'), COUNT);
    months = seeded.months;
    await buildRenderer();
    web = await startWebMode({ dataDir, port: 0, model: 'demo', log: () => undefined });
    await waitForIndexed(web, COUNT);
    browser = await openBrowser();
    page = browser.page;
    page.on('pageerror', (e) => process.stderr.write(`page error: ${e.message}\n`));
    await page.setViewportSize({ width: 1440, height: 900 });
  });

  after(async () => {
    await browser?.close();
    await web?.close();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('keeps the page small while scrolling through every month', async () => {
    await page.goto(web.server.url);
    await page.locator('[data-testid="photo-cell"] img').first().waitFor();
    assert.equal(await page.getByTestId('photos-total').innerText(), '20,000 photos');
    const timeline = page.getByTestId('timeline');
    const height = await timeline.evaluate((el) => el.scrollHeight);
    const counts: number[] = [];
    // Where the date scrubber's thumb (the screen's place in the library) is, from the strip's top to its bottom.
    const thumbAt: number[] = [];
    for (const at of [0, 0.1, 0.35, 0.6, 0.85, 1]) {
      await timeline.evaluate((el, f) => (el.scrollTop = f * (el.scrollHeight - el.clientHeight)), at);
      // The month in view arrives and is drawn.
      await page.locator('[data-testid="photo-cell"] img').first().waitFor();
      await page.waitForTimeout(300);
      counts.push(await page.getByTestId('photo-cell').count());
      // Measured each time: a banner that arrives with the library's status moves the strip down.
      const strip = (await page.getByTestId('scrubber').boundingBox())!;
      const thumb = (await page.getByTestId('scrubber-thumb').boundingBox())!;
      thumbAt.push((thumb.y - strip.y) / (strip.height - thumb.height));
    }
    // The thumb follows the scrolling (it is moved outside React's renders): top, then down in order, bottom.
    assert.ok(thumbAt[0]! < 0.02, `the thumb starts at the top: ${thumbAt.join(', ')}`);
    for (let i = 1; i < thumbAt.length; i++)
      assert.ok(
        thumbAt[i]! > thumbAt[i - 1]!,
        `the thumb moves down as the photos scroll: ${thumbAt.join(', ')}`,
      );
    assert.ok(thumbAt[thumbAt.length - 1]! > 0.95, `the thumb ends at the bottom: ${thumbAt.join(', ')}`);
    for (const c of counts) {
      assert.ok(c > 0, `photos are shown at every position: ${counts.join(', ')}`);
      assert.ok(c < 400, `only the photos near the screen are in the page: ${counts.join(', ')}`);
    }
    assert.ok(height > 100_000, `the scroll height covers 20,000 photos (${height}px)`);
    await screenshot(page, 'organizer-06-large-1440');
  });

  it('jumps to a month chosen on the date scrubber', async () => {
    const target = months[Math.floor(months.length / 2)]!;
    const mark = page.locator(`[data-testid="scrubber-month"][data-month="${target}"]`);
    const box = (await mark.boundingBox())!;
    const scrubber = (await page.getByTestId('scrubber').boundingBox())!;
    await page.mouse.move(scrubber.x + scrubber.width / 2, box.y);
    const label = await page.getByTestId('scrubber-label').innerText();
    assert.match(label, /\d{4}/);
    await page.mouse.down();
    await page.mouse.up();
    const heading = page.locator(`[data-testid="month-heading"][data-month="${target}"]`);
    await heading.waitFor();
    // The month's heading is at the top of the photos.
    const timelineTop = (await page.getByTestId('timeline').boundingBox())!.y;
    await page.waitForTimeout(500);
    const top = (await heading.boundingBox())!.y;
    assert.ok(
      Math.abs(top - timelineTop) < 30,
      `the heading of ${target} is at the top (${top} vs ${timelineTop})`,
    );
    await page.setViewportSize({ width: 800, height: 900 });
    await screenshot(page, 'organizer-07-large-800');
  });
});
