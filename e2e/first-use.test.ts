// First use without friction (issue 12, items 2, 3, 8 and 9), in Chromium against the web mode:
// adding a folder through the folder browser, a mistyped path answered next to its field, a model
// imported from the Models view, the keyboard path through search results, the narrow layout, and the
// server stopping and coming back on the same port and data directory.
// Screenshots at 1440×900 and 800×900 go to test-results/e2e/first-use-*.png.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { buildRenderer } from '../main/server/renderer-build.js';
import { startWebMode } from '../main/server/serve.js';
import type { WebMode } from '../main/server/serve.js';
import { chromiumMissing, openBrowser, screenshot } from './support/browser.js';
import type { Browser } from './support/browser.js';
import { makeColourPhotos } from './support/photos.js';

const skip = chromiumMissing();
if (skip) process.stderr.write(`e2e/first-use: skipped: ${skip}\n`);

const PER_COLOUR = 3;
const PHOTOS = PER_COLOUR * 4;
/** The tiny test model in the Immich layout: a real model folder to import. */
const MODEL_FOLDER = resolve('../shared/fixtures/clip-tiny-a/immich');
const WIDE = { width: 1440, height: 900 };
const NARROW = { width: 800, height: 900 };

describe('first use in Chromium (web mode)', { skip }, () => {
  let tmp: string;
  let home: string;
  let photosDir: string;
  let dataDir: string;
  let web: WebMode | undefined;
  let browser: Browser;
  const savedHome = process.env.HOME;

  const start = (port: number) => startWebMode({ dataDir, port, model: 'demo', log: () => undefined });
  const page = () => browser.page;
  const nav = (name: string) =>
    page().getByRole('navigation', { name: 'Sections' }).getByRole('button', { name });
  const shot = (name: string) => screenshot(page(), `first-use-${name}`);

  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'lookbook-first-use-'));
    home = join(tmp, 'home');
    photosDir = join(home, 'My Photos');
    dataDir = join(tmp, 'data');
    await makeColourPhotos(photosDir, PER_COLOUR);
    await mkdir(join(home, 'Documents'));
    await buildRenderer();
    browser = await openBrowser();
    browser.page.on('pageerror', (e) => process.stderr.write(`page error: ${e.message}\n`));
    await browser.page.setViewportSize(WIDE);
    // The folder browser starts at the home folder: this test's own, so what it lists is known.
    process.env.HOME = home;
    web = await start(0);
  });

  after(async () => {
    process.env.HOME = savedHome;
    await browser?.close();
    await web?.close();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('answers a mistyped path next to the field, naming the folder that exists', async () => {
    await page().goto(web!.server.url);
    await page().getByRole('heading', { name: 'Add your first folder' }).waitFor();
    const field = page().getByLabel('Folder path');
    const error = page().getByTestId('add-folder-error');

    await field.fill(join(home, 'my photos'));
    await page().getByRole('button', { name: 'Add folder' }).click();
    await error.waitFor();
    assert.equal(
      await error.innerText(),
      `${join(home, 'my photos')} does not exist. Did you mean ${photosDir}?`,
    );
    // Next to the field (in the same form, described by it), not in a corner toast.
    assert.equal(await field.getAttribute('aria-invalid'), 'true');
    assert.equal(await field.getAttribute('aria-describedby'), await error.getAttribute('id'));
    assert.equal(await page().getByTestId('toast').count(), 0);
    // …and offers the folder it meant in one click.
    await page().getByRole('button', { name: 'Add My Photos instead' }).waitFor();
    await shot('01-near-miss-1440');

    await field.fill('C:\\Users\\me\\Pictures');
    await page().getByRole('button', { name: 'Add folder' }).click();
    await error.filter({ hasText: 'is a Windows path' }).waitFor();

    await field.fill('Pictures');
    await page().getByRole('button', { name: 'Add folder' }).click();
    await error.filter({ hasText: 'is not a full path' }).waitFor();
    assert.doesNotMatch(await error.innerText(), new RegExp(process.cwd().replace(/[/\\.]/g, '\\$&')));
  });

  it('adds a folder through the folder browser', async () => {
    await page().getByRole('button', { name: 'Browse…' }).click();
    const dialog = page().getByRole('dialog', { name: 'Choose a folder of photos' });
    await dialog.waitFor();
    // It opens at home (the field held no folder), lists folders only, and offers places to start.
    await dialog
      .getByLabel('Folder to show')
      .and(page().locator(`[value="${home}"]`))
      .waitFor();
    const folders = dialog.getByRole('list', { name: 'Folders' }).getByRole('button');
    assert.deepEqual(await folders.allInnerTexts(), ['Documents', 'My Photos']);
    await dialog
      .getByRole('navigation', { name: 'Places' })
      .getByRole('button', { name: 'Home folder' })
      .waitFor();
    await shot('02-folder-browser-1440');

    await folders.filter({ hasText: 'My Photos' }).click();
    await dialog
      .getByLabel('Folder to show')
      .and(page().locator(`[value="${photosDir}"]`))
      .waitFor();
    assert.equal(await folders.count(), 0, 'photos are files, and files are not listed');
    await dialog.getByRole('button', { name: 'Add this folder' }).click();
    await dialog.waitFor({ state: 'detached' });

    await page().getByTestId('folder-row').filter({ hasText: photosDir }).waitFor();
    await page()
      .getByTestId('photo-count')
      .filter({ hasText: new RegExp(`^${PHOTOS}$`) })
      .waitFor({ timeout: 60_000 });
    await page().locator('[data-testid="indexing-card"][data-phase="done"]').waitFor();
    await shot('03-folder-added-1440');
  });

  it('goes from the search box to a photo and back by keyboard; Ctrl+number is left to the browser', async () => {
    await nav('Search').click();
    const box = page().getByLabel('Search photos');
    await box.fill('red');
    await page().locator('[data-testid="result-count"][data-state="ready"][data-query="red"]').waitFor();
    const grid = page().getByRole('grid', { name: 'Photos' });
    const focused = page().locator('[data-testid="photo-cell"].focused');

    await box.press('ArrowDown');
    assert.equal(await grid.evaluate((el) => el === el.ownerDocument.activeElement), true);
    assert.equal(await focused.getAttribute('data-index'), '0');
    // Its name once its page of results is there (a refresh after indexing may be reloading it).
    const nameOf = (index: number) =>
      page()
        .locator(`[data-testid="photo-cell"][data-index="${index}"]:not([data-name=""])`)
        .getAttribute('data-name');
    const first = await nameOf(0);
    await page().keyboard.press('Enter');
    const viewer = page().getByTestId('photo-view');
    await viewer
      .locator('h2')
      .filter({ hasText: first ?? '' })
      .waitFor();

    await page().keyboard.press('ArrowRight');
    const second = await nameOf(1);
    await viewer
      .locator('h2')
      .filter({ hasText: second ?? '' })
      .waitFor();
    await page().keyboard.press('Escape');
    await viewer.waitFor({ state: 'detached' });
    // Back on the grid, on the photo that was open last.
    assert.equal(await grid.evaluate((el) => el === el.ownerDocument.activeElement), true);
    assert.equal(await focused.getAttribute('data-index'), '1');

    // In a browser Ctrl+2 switches tabs: the page does not take it.
    await page().keyboard.press('Control+2');
    assert.equal(await nav('Search').getAttribute('aria-current'), 'page');
    assert.equal(await page().locator('.nav-key').count(), 0, 'no Ctrl shortcuts advertised');
  });

  it('imports a model from the Models view, with errors next to the field', async () => {
    await nav('Models').click();
    const field = page().getByLabel('Model folder or archive');
    const importButton = page().getByRole('button', { name: 'Import', exact: true });
    await field.fill(photosDir);
    await importButton.click();
    const error = page().getByTestId('import-model-error');
    await error.filter({ hasText: 'is not a CLIP model folder' }).waitFor({ timeout: 30_000 });
    assert.equal(await field.getAttribute('aria-describedby'), await error.getAttribute('id'));

    await field.fill(MODEL_FOLDER);
    await importButton.click();
    const card = page().locator('[data-testid="model-card"][data-model="immich"]');
    await card.waitFor({ timeout: 60_000 });
    assert.match(await card.innerText(), /installed/);
    assert.match(await card.innerText(), /\d+(\.\d)? (KB|MB)/, 'its size, written as the CLI writes it');
    assert.equal(await error.count(), 0);
    await page().getByTestId('toast').filter({ hasText: 'Imported' }).waitFor();
    await card.scrollIntoViewIfNeeded();
    await shot('04-model-imported-1440');
  });

  it('keeps only icons in the sidebar at 800 px wide, each still named', async () => {
    await page().setViewportSize(NARROW);
    const sidebar = page().getByRole('navigation', { name: 'Sections' });
    const box = await sidebar.boundingBox();
    assert.ok(box && box.width <= 80, `the sidebar is ${box?.width} px wide`);
    assert.equal(await sidebar.getByText('Library', { exact: true }).isVisible(), false);
    for (const name of ['Search', 'Library', 'Tagging', 'Fine-tuning', 'Models']) {
      assert.equal(await nav(name).getAttribute('title'), name);
    }
    await shot('05-models-800');
    await nav('Search').click();
    await page().locator('[data-testid="result-count"][data-state="ready"]').waitFor();
    await shot('06-search-800');
    await nav('Library').click();
    await page().getByTestId('folder-row').waitFor();
    await shot('07-library-800');
    await page().setViewportSize(WIDE);
  });

  it('says once that the server stopped, disables what needs it, and reconnects when it is back', async () => {
    const port = web!.server.port;
    await nav('Library').click();
    const card = page().locator('[data-testid="indexing-card"]');
    await card.and(page().locator('[data-phase="done"]')).waitFor();

    await web!.close();
    web = undefined;
    const banner = page().getByTestId('offline-banner');
    await banner.waitFor();
    assert.match(await banner.innerText(), /Lookbook has stopped/);
    assert.equal(await page().getByRole('alert').count(), 0, 'no red error per call');
    await card.and(page().locator('[data-phase="offline"]')).waitFor();
    assert.doesNotMatch(await card.innerText(), /Up to date/);
    assert.equal(await page().getByRole('button', { name: 'Rescan' }).isDisabled(), true);
    assert.equal(await page().getByLabel('Folder path').isDisabled(), true);
    assert.equal(await page().getByRole('button', { name: 'Remove' }).isDisabled(), true);
    // Moving around still works, and says nothing more.
    await nav('Models').click();
    await nav('Library').click();
    assert.equal(await banner.count(), 1);
    await shot('08-offline-1440');

    web = await start(port);
    await banner.waitFor({ state: 'detached', timeout: 30_000 });
    await card.and(page().locator('[data-phase="done"]')).waitFor();
    assert.equal(await page().getByRole('button', { name: 'Rescan' }).isDisabled(), false);
    // The event stream is back: a photo added now shows up without reloading the page.
    await sharp({ create: { width: 120, height: 90, channels: 3, background: { r: 120, g: 40, b: 200 } } })
      .jpeg()
      .toFile(join(photosDir, 'purple-new.jpg'));
    await page()
      .getByTestId('photo-count')
      .filter({ hasText: new RegExp(`^${PHOTOS + 1}$`) })
      .waitFor({ timeout: 60_000 });
    await shot('09-reconnected-1440');
  });
});
