// Albums and the tag review queue in a real browser (web mode, the demo model, generated colour photos):
// an album made from selected photos, renamed and exported; suggestions answered from the keyboard; a
// smart album saved from a search. What the UI shows is checked against the API and the disk.
// Screenshots (1440×900 and 800×900) go to test-results/e2e/.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { Page } from 'playwright-core';
import type { ApiEvents, EventName } from '../main/api/types.js';
import type { CoreApi } from '../main/api/dispatch.js';
import { buildRenderer } from '../main/server/renderer-build.js';
import { startWebMode } from '../main/server/serve.js';
import type { WebMode } from '../main/server/serve.js';
import { chromiumMissing, openBrowser, screenshot } from './support/browser.js';
import type { Browser } from './support/browser.js';
import { makeColourPhotos } from './support/photos.js';

const skip = chromiumMissing();
if (skip) process.stderr.write(`e2e/albums-review: skipped: ${skip}\n`);

/** Enough photos per colour that one colour's suggestions outnumber the 10 answered from the keyboard. */
const PER_COLOUR = 12;
const WIDE = { width: 1440, height: 900 };
const NARROW = { width: 800, height: 900 };

/** Polls `check` until it holds (or fails after `timeoutMs`). */
async function until(check: () => Promise<boolean>, what: string, timeoutMs = 120_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Resolves with the first `event` that `accept` takes (subscribe before starting what sends it). */
function nextEvent<E extends EventName>(
  api: CoreApi,
  event: E,
  accept: (e: ApiEvents[E]) => boolean,
  timeoutMs = 120_000,
): Promise<ApiEvents[E]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no ${event} event in ${timeoutMs / 1000} s`));
    }, timeoutMs);
    const off = api.subscribe(event, (e) => {
      if (!accept(e)) return;
      clearTimeout(timer);
      off();
      resolve(e);
    });
  });
}

const nav = (page: Page, name: string) =>
  page.getByRole('navigation', { name: 'Sections' }).getByRole('button', { name, exact: true });

async function both(page: Page, name: string): Promise<void> {
  await page.setViewportSize(NARROW);
  await screenshot(page, `albums-${name}-800`);
  await page.setViewportSize(WIDE);
  await screenshot(page, `albums-${name}-1440`);
}

async function searchFor(page: Page, text: string): Promise<void> {
  await nav(page, 'Search').click();
  await page.getByLabel('Search photos').fill(text);
  await page.locator(`[data-testid="result-count"][data-state="ready"][data-query="${text}"]`).waitFor();
  await page.locator('[data-testid="photo-cell"] img').first().waitFor();
}

const cellNames = (page: Page, testId: string) =>
  page
    .locator(`[data-testid="${testId}"]`)
    .evaluateAll((cells) => cells.map((c) => c.getAttribute('data-name') ?? ''));

describe('albums and tag review in Chromium', { skip }, () => {
  let tmp: string;
  let photosDir: string;
  let web: WebMode;
  let browser: Browser;
  let page: Page;
  const api = () => web.api.handlers;
  /** The photos answered from the keyboard, and the answer each got. */
  const keyboardAnswers = new Map<string, 'confirmed' | 'rejected'>();
  /** A photo's "red" tag status, looked up by its file name. */
  const redStatus = async (name: string) => {
    const photo = (await api()['search.query']({ limit: 1000 })).items.find((p) => p.name === name);
    assert.ok(photo, name);
    return (await api()['photos.get']({ id: photo.id })).tags.find((t) => t.tag === 'red')?.status;
  };

  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'lookbook-e2e-albums-'));
    photosDir = join(tmp, 'My Photos');
    await makeColourPhotos(photosDir, PER_COLOUR);
    await buildRenderer();
    web = await startWebMode({ dataDir: join(tmp, 'data'), port: 0, model: 'demo', log: () => undefined });
    // The library and its suggestions are set up through the API (the new-user flow covers doing it in
    // the UI): index the folder, then auto-tag it with the colours vocabulary.
    await api()['folders.add']({ path: photosDir });
    await until(async () => {
      const status = await api()['library.status']({});
      return status.indexing.phase === 'done' && status.photoCount === PER_COLOUR * 4;
    }, 'the folder is indexed');
    const tagged = nextEvent(web.api, 'taggingProgress', (p) => p.phase === 'done' || p.phase === 'error');
    await api()['tagging.autoTag']({ vocabularyId: 'colours' });
    assert.equal((await tagged).phase, 'done');

    browser = await openBrowser();
    page = browser.page;
    page.on('pageerror', (e) => process.stderr.write(`page error: ${e.message}\n`));
    await page.setViewportSize(WIDE);
    await page.goto(web.server.url);
  });

  after(async () => {
    await browser?.close();
    await web?.close();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('makes an album from selected photos, and the album shows them', async () => {
    await searchFor(page, 'green');
    const names = (await cellNames(page, 'photo-cell')).slice(0, 3);
    for (const n of names) assert.match(n, /^green-/);
    for (const n of names) {
      const cell = page.locator(`[data-testid="photo-cell"][data-name="${n}"]`);
      await cell.hover();
      await cell.getByTestId('photo-check').click();
    }
    await page.locator('[data-testid="selection-count"][data-count="3"]').waitFor();
    await page.getByTestId('selection-bar').getByRole('button', { name: 'Album', exact: true }).click();
    await page.getByLabel('New album name').fill('Green shoot');
    await page.getByRole('button', { name: 'New album from selection' }).click();
    // The sidebar lists it with its count (albumsChanged), and opening it shows exactly those photos.
    const item = page.locator('[data-testid="album-item"][data-album="Green shoot"]');
    await item.getByTestId('album-item-count').filter({ hasText: /^3$/ }).waitFor();
    await item.click();
    const view = page.locator('[data-testid="album-view"][data-album="Green shoot"]');
    await view.locator('[data-testid="photo-cell"] img').first().waitFor();
    assert.deepEqual((await cellNames(page, 'photo-cell')).sort(), [...names].sort());
    assert.match(await view.getByTestId('album-count').innerText(), /^3 photos/);
    await view.getByTestId('album-cover').waitFor();
    await both(page, '01-album');
  });

  it('renames the album', async () => {
    await page.getByRole('button', { name: 'Rename' }).click();
    const dialog = page.getByTestId('rename-album-dialog');
    await dialog.getByLabel('Album name').fill('Green for the client');
    await dialog.getByRole('button', { name: 'Rename' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.getByTestId('album-title').filter({ hasText: 'Green for the client' }).waitFor();
    await page.locator('[data-testid="album-item"][data-album="Green for the client"]').waitFor();
    const albums = await api()['albums.list']({});
    assert.deepEqual(
      albums.map((a) => a.name),
      ['Green for the client'],
    );
  });

  it('exports the album into a folder: byte-identical copies, nothing overwritten', async () => {
    const albums = await api()['albums.list']({});
    const album = albums[0]!;
    const inAlbum = (await api()['albums.photos']({ id: album.id })).items;
    assert.equal(inAlbum.length, 3);
    // The folder already holds a file named like one of the photos: it must survive untouched.
    const dest = join(tmp, 'For the client');
    await mkdir(dest);
    const taken = inAlbum[0]!.name;
    await writeFile(join(dest, taken), 'my own file, not a photo');

    await page.getByRole('button', { name: 'Export…' }).click();
    const dialog = page.getByTestId('export-album-dialog');
    await dialog.getByLabel('Export to folder').fill(dest);
    await dialog.getByRole('button', { name: 'Export' }).click();
    const result = dialog.getByTestId('export-result');
    await result.waitFor();
    assert.equal(await result.innerText(), `Copied 3 photos to ${dest}; 1 renamed to avoid overwriting.`);
    await both(page, '02-exported');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });

    assert.equal(await readFile(join(dest, taken), 'utf8'), 'my own file, not a photo');
    const files = (await readdir(dest)).sort();
    assert.equal(files.length, 4, files.join(', '));
    // Each photo is in the folder, byte for byte: under its own name, or a numbered one for the clash.
    const copies = await Promise.all(files.map(async (f) => readFile(join(dest, f))));
    for (const p of inAlbum) {
      const original = await readFile(p.path);
      assert.ok(
        copies.some((c) => c.equals(original)),
        `${basename(p.path)} is copied unchanged`,
      );
    }
  });

  it('sets the cover from the photo viewer, and removes a selected photo from the album', async () => {
    const album = (await api()['albums.list']({}))[0]!;
    const inAlbum = (await api()['albums.photos']({ id: album.id })).items;
    await page.locator('[data-testid="album-item"][data-album="Green for the client"]').click();
    // The second photo becomes the cover (the first one is the cover until then).
    const second = inAlbum[1]!;
    await page.locator(`[data-testid="photo-cell"][data-name="${second.name}"]`).click();
    const viewer = page.getByTestId('photo-view');
    await viewer.getByRole('button', { name: 'Use as album cover' }).click();
    await until(
      async () => (await api()['albums.list']({}))[0]?.cover?.id === second.id,
      'the cover is the chosen photo',
    );
    await page.keyboard.press('Escape');
    await viewer.waitFor({ state: 'detached' });
    // Select the third photo by its check mark, then remove it: the album has two, the library all 48.
    const third = page.locator(`[data-testid="photo-cell"][data-name="${inAlbum[2]!.name}"]`);
    await third.hover();
    await third.getByTestId('photo-check').click();
    await page.getByRole('button', { name: 'Remove from this album' }).click();
    await page
      .getByTestId('album-count')
      .filter({ hasText: /^2 photos/ })
      .waitFor();
    await page
      .locator(
        '[data-testid="album-item"][data-album="Green for the client"] [data-testid="album-item-count"]',
      )
      .filter({ hasText: /^2$/ })
      .waitFor();
    // The grid fetches the album's pages again after the change: until they are in, a cell may still be
    // a placeholder with no name.
    const expected = [inAlbum[0]!.name, second.name].sort();
    let names: string[] = [];
    for (let i = 0; i < 50; i++) {
      names = (await cellNames(page, 'photo-cell')).sort();
      if (JSON.stringify(names) === JSON.stringify(expected)) break;
      await page.waitForTimeout(200);
    }
    assert.deepEqual(names, expected);
    assert.equal((await api()['library.status']({})).photoCount, PER_COLOUR * 4);
  });

  it('answers 10 suggestions from the keyboard in the review queue, and the counts follow', async () => {
    const before = (await api()['review.labels']({})).find((l) => l.tag === 'red');
    assert.ok(before && before.pending >= 10, `red needs 10 suggestions: ${JSON.stringify(before)}`);
    await nav(page, 'Review tags').click();
    await page.locator('[data-testid="review-label"][data-tag="red"]').click();
    const progress = page.getByTestId('review-progress');
    const total = before.pending + before.reviewed;
    await progress.filter({ hasText: `${before.reviewed} of ${total} reviewed` }).waitFor();
    // Most confident first: the red photos lead the queue for "red".
    const queued = await cellNames(page, 'review-cell');
    for (const n of queued.slice(0, PER_COLOUR)) assert.match(n, /^red-/);
    const grid = page.getByTestId('review-grid');
    await grid.focus();
    // Y six times, N four times: each answers the focused photo and moves on to the next.
    for (let k = 0; k < 10; k++) await page.keyboard.press(k < 6 ? 'y' : 'n');
    await progress.filter({ hasText: `${before.reviewed + 10} of ${total} reviewed` }).waitFor();
    await page
      .locator('[data-testid="review-label"][data-tag="red"]')
      .and(page.locator(`[data-pending="${before.pending - 10}"]`))
      .waitFor();
    await both(page, '03-review');

    // Through the API: the queue moved by ten, and each photo has the answer it was given.
    const after = (await api()['review.labels']({})).find((l) => l.tag === 'red');
    assert.deepEqual(after, { tag: 'red', pending: before.pending - 10, reviewed: before.reviewed + 10 });
    for (const [k, name] of queued.slice(0, 10).entries())
      keyboardAnswers.set(name, k < 6 ? 'confirmed' : 'rejected');
    for (const [name, status] of keyboardAnswers) assert.equal(await redStatus(name), status, name);
  });

  it('confirms everything still shown for a tag with one button', async () => {
    const before = (await api()['review.labels']({})).find((l) => l.tag === 'red')!;
    assert.equal(before.pending, PER_COLOUR - 10);
    await page.getByRole('button', { name: `Confirm all ${before.pending} shown` }).click();
    const total = before.pending + before.reviewed;
    await page
      .getByTestId('review-progress')
      .filter({ hasText: `${total} of ${total} reviewed` })
      .waitFor();
    await page.getByText('Every suggestion of “red” is reviewed.').waitFor();
    const after = (await api()['review.labels']({})).find((l) => l.tag === 'red');
    assert.equal(after?.pending ?? 0, 0);
    // The keyboard's answers stand: confirming what is shown changes suggestions only, never an earlier no.
    for (const [name, status] of keyboardAnswers) assert.equal(await redStatus(name), status, name);
  });

  it('saves a search as a smart album that shows its photos', async () => {
    await searchFor(page, 'blue');
    const found = await api()['search.query']({ query: 'blue', limit: 1000 });
    await page.getByRole('button', { name: 'Save as smart album…' }).click();
    const dialog = page.getByTestId('new-album-dialog');
    assert.equal(await dialog.getByLabel('Words').inputValue(), 'blue');
    await dialog.getByLabel('Album name').fill('Blue things');
    await both(page, '04-smart-album-dialog');
    await dialog.getByRole('button', { name: 'Create smart album' }).click();
    const view = page.locator('[data-testid="album-view"][data-album="Blue things"]');
    await view.locator('[data-testid="photo-cell"] img').first().waitFor();
    assert.match(await view.getByTestId('album-count').innerText(), new RegExp(`${found.total} photos`));
    const shown = await cellNames(page, 'photo-cell');
    assert.ok(shown.length > 0);
    for (const n of shown.slice(0, PER_COLOUR)) assert.match(n, /^blue-/);
    assert.deepEqual(
      shown,
      found.items.slice(0, shown.length).map((p) => p.name),
    );
    await page
      .locator('[data-testid="album-item"][data-album="Blue things"] [data-testid="album-item-count"]')
      .filter({ hasText: new RegExp(`^${found.total}$`) })
      .waitFor();
    await both(page, '05-smart-album');
  });

  it('deletes an album after saying its photos stay', async () => {
    const before = (await api()['library.status']({})).photoCount;
    await page.getByRole('button', { name: 'Delete…' }).click();
    const dialog = page.getByTestId('delete-album-dialog');
    assert.match(await dialog.innerText(), /stay in your library/);
    await dialog.getByRole('button', { name: 'Delete album' }).click();
    await page.locator('[data-testid="album-item"][data-album="Blue things"]').waitFor({ state: 'detached' });
    assert.deepEqual(
      (await api()['albums.list']({})).map((a) => a.name),
      ['Green for the client'],
    );
    assert.equal((await api()['library.status']({})).photoCount, before);
  });

  it('makes an empty album from the sidebar, from the keyboard', async () => {
    await page.getByRole('button', { name: 'New album', exact: true }).focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByTestId('new-album-dialog');
    // The name field has the focus: type, then Enter creates the album and opens it.
    await page.keyboard.type('Next shoot');
    await page.keyboard.press('Enter');
    await dialog.waitFor({ state: 'detached' });
    await page.locator('[data-testid="album-view"][data-album="Next shoot"]').waitFor();
    await page.getByRole('heading', { name: 'This album is empty' }).waitFor();
    const made = (await api()['albums.list']({})).find((a) => a.name === 'Next shoot');
    assert.equal(made?.count, 0);
  });
});
