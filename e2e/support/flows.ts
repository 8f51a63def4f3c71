// What a new user does with Lookbook, step by step: the same steps run in the web mode (Chromium) and
// in the Electron app. Each step asserts what the user would see and saves a screenshot.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Page } from 'playwright-core';

export interface FlowContext {
  page: Page;
  photosDir: string;
  /** Photos per colour in photosDir (4 colours). */
  perColour: number;
  /** Opens the app at its start page. */
  open(): Promise<void>;
  /** Adds photosDir the way this host does it (a path field on the web, the folder dialog in Electron). */
  addFolder(): Promise<void>;
  shot(name: string): Promise<void>;
}

export interface FlowStep {
  name: string;
  run(ctx: FlowContext): Promise<void>;
}

const nav = (page: Page, name: string) => page.getByRole('navigation').getByRole('button', { name });

/** Captions in words the demo model does not know, two per colour. */
const INVENTED_CAPTIONS: Record<string, [string, string]> = {
  red: ['blorf by the barn', 'my blorf'],
  blue: ['zintak at noon', 'the zintak outside'],
  green: ['quorvel on the wall', 'a quorvel in spring'],
  yellow: ['snibbet at night', 'the snibbet'],
};

async function searchFor(page: Page, text: string): Promise<void> {
  await nav(page, 'Search').click();
  await page.getByLabel('Search photos').fill(text);
  // The results shown are for this query (typing is debounced) and have arrived.
  await page.locator(`[data-testid="result-count"][data-state="ready"][data-query="${text}"]`).waitFor();
}

/** The page's computed background colour (light or dark theme). */
function background(page: Page): Promise<string> {
  return page
    .locator('html')
    .evaluate(
      (el) =>
        (
          globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string } }
        ).getComputedStyle(el).backgroundColor,
    );
}

export const NEW_USER_FLOW: FlowStep[] = [
  {
    name: 'greets a new user with what to do first, and says the demo model only knows colours',
    async run({ page, open, shot }) {
      await open();
      await page.getByRole('heading', { name: 'Add your first folder' }).waitFor();
      assert.match(await page.getByTestId('demo-notice').innerText(), /only knows colours/);
      await shot('01-new-user');
    },
  },
  {
    name: 'adds a folder and shows indexing until every photo is in',
    async run({ page, perColour, addFolder, shot }) {
      await addFolder();
      await page.getByTestId('folder-row').waitFor();
      const total = perColour * 4;
      await page
        .getByTestId('photo-count')
        .filter({ hasText: new RegExp(`^${total}$`) })
        .waitFor();
      await page.locator('[data-testid="indexing-card"][data-phase="done"]').waitFor();
      assert.match(
        await page.getByTestId('indexing-card').innerText(),
        new RegExp(`${total} photos indexed`),
      );
      assert.match(await page.getByTestId('device').innerText(), /CPU|GPU/);
      const failures = page.getByTestId('failures');
      await failures.getByText('1 file could not be read').click();
      assert.match(await failures.innerText(), /broken\.jpg/);
      await shot('02-library-indexed');
    },
  },
  {
    name: 'searches "red" as you type and shows red photos first',
    async run({ page, perColour, shot }) {
      // A word the demo model does not know finds nothing, and the page says why.
      await searchFor(page, 'a cat');
      const reason = page.locator('[data-testid="no-results-reasons"] [data-kind="unknown-words"]');
      assert.match(await reason.innerText(), /only knows colours; it does not know “cat”/);
      await shot('03a-search-unknown-word');
      await searchFor(page, 'red');
      await page.locator('[data-testid="photo-cell"] img').first().waitFor();
      const names = await page
        .locator('[data-testid="photo-cell"]')
        .evaluateAll((cells) => cells.map((c) => c.getAttribute('data-name')));
      assert.ok(names.length >= perColour, `expected results, got ${names.join(', ')}`);
      for (const n of names.slice(0, perColour)) assert.match(n ?? '', /^red-/);
      // Thumbnails really load (the media route answers with an image).
      const width = await page
        .locator('[data-testid="photo-cell"] img')
        .first()
        .evaluate(async (img) => {
          const i = img as unknown as { decode(): Promise<void>; naturalWidth: number };
          await i.decode();
          return i.naturalWidth;
        });
      assert.ok(width > 0, 'the thumbnail decodes');
      await shot('03-search-red');
      // Keyboard: down from the search box onto the first photo, right to the second, Enter opens it.
      await page.getByLabel('Search photos').press('ArrowDown');
      await page.keyboard.press('ArrowRight');
      await page.keyboard.press('Enter');
      const view = page.getByTestId('photo-view');
      await view.waitFor();
      assert.equal(await view.locator('h2').innerText(), names[1]);
      await page.keyboard.press('Escape');
      await view.waitFor({ state: 'detached' });
      // A filter that leaves nothing (every photo is a JPEG): the page says how many photos it excluded,
      // and one click searches again without it.
      await page.getByLabel('Format').selectOption('png');
      const filtered = page.locator('[data-testid="no-results-reasons"] [data-kind="filtered"]');
      const excluded = /excluded (\d+) photos/.exec(await filtered.innerText())?.[1];
      assert.equal(Number(excluded), names.length, 'the count the filter excluded is the unfiltered total');
      await shot('03b-search-filtered');
      await page.getByRole('button', { name: 'Search without the filters' }).click();
      await page.locator('[data-testid="photo-cell"]').first().waitFor();
      assert.equal(await page.getByLabel('Search photos').inputValue(), 'red', 'the query stays');
    },
  },
  {
    name: 'finds photos similar to one photo, and photos like an image from disk',
    async run({ page, photosDir, perColour, shot }) {
      const names = () =>
        page
          .locator('[data-testid="photo-cell"]')
          .evaluateAll((cells) => cells.map((c) => c.getAttribute('data-name')));
      // Browsing (newest first) mixes the colours; "Similar" on a blue photo brings the blue ones first.
      await searchFor(page, '');
      assert.doesNotMatch((await names())[0] ?? '', /^blue-/);
      const cell = page.locator('[data-testid="photo-cell"][data-name^="blue-"]').first();
      await cell.hover();
      await cell.getByRole('button', { name: 'Similar' }).click();
      await page.getByText(/^Similar to blue-/).waitFor();
      await page
        .locator('[data-testid="photo-cell"]')
        .first()
        .and(page.locator('[data-name^="blue-"]'))
        .waitFor();
      // The photo itself is left out: the other blue ones come first.
      for (const n of (await names()).slice(0, perColour - 1)) assert.match(n ?? '', /^blue-/);
      await shot('04-similar');
      // An image from disk (here one of the photos, picked as a file): green ones first.
      await page.getByTestId('image-file').setInputFiles(join(photosDir, 'green-0.jpg'));
      await page.getByText('Like green-0.jpg').waitFor();
      await page
        .locator('[data-testid="photo-cell"]')
        .first()
        .and(page.locator('[data-name^="green-"]'))
        .waitFor();
      for (const n of (await names()).slice(0, perColour)) assert.match(n ?? '', /^green-/);
      await page.getByRole('button', { name: 'Stop searching by this image' }).click();
    },
  },
  {
    name: 'auto-tags with the default vocabulary, warns before one the model cannot see, undoes a run',
    async run({ page, shot }) {
      await nav(page, 'Tagging').click();
      const select = page.getByTestId('vocabulary-select');
      await select.locator('option[value="colours"]').waitFor({ state: 'attached' });
      // The default is the core's (the one `lookbook tag` uses): colours with the demo model.
      assert.equal(await select.inputValue(), 'colours');
      await select.selectOption('everyday');
      assert.match(await page.getByTestId('vocabulary-warning').innerText(), /only tells colours apart/);
      await page.getByRole('button', { name: 'Auto-tag anyway' }).waitFor();
      await shot('04a-vocabulary-warning');
      await select.selectOption('colours');
      assert.equal(await page.getByTestId('vocabulary-warning').count(), 0);
      const autoTag = page.getByRole('button', { name: 'Auto-tag', exact: true });
      await autoTag.click();
      await page.locator('[data-testid="tagging-status"][data-phase="done"]').waitFor();
      await page.getByTestId('tag-facets').waitFor();
      // Undone in one action: the library has no tags again.
      await page.getByRole('button', { name: 'Undo this run' }).click();
      await page.getByTestId('tag-facets').waitFor({ state: 'detached' });
      await shot('04b-tagging-undone');
      await autoTag.click();
      await page.locator('[data-testid="tagging-status"][data-phase="done"]').waitFor();
      await page.getByTestId('tag-facets').waitFor();
      assert.match(await page.getByTestId('tag-facets').innerText(), /red/);
      await shot('04-auto-tagged');
    },
  },
  {
    name: 'opens a photo, confirms one suggested tag and rejects another',
    async run({ page, shot }) {
      await searchFor(page, 'red');
      await page.locator('[data-testid="photo-cell"]').first().click();
      const view = page.getByTestId('photo-view');
      await view.waitFor();
      await view.locator('[data-testid="tag-row"][data-tag="red"]').waitFor();
      await view.getByRole('button', { name: 'Confirm red' }).click();
      await view.locator('[data-testid="tag-row"][data-tag="red"][data-status="confirmed"]').waitFor();
      // The next photo (also red): reject its suggestion.
      await page.keyboard.press('ArrowRight');
      await view.locator('[data-testid="tag-row"][data-tag="red"][data-status="suggested"]').waitFor();
      await view.getByRole('button', { name: 'Reject red' }).click();
      await view.locator('[data-testid="tag-row"][data-tag="red"][data-status="rejected"]').waitFor();
      await shot('05-photo-tags');
      // Back: the first photo still has its confirmed tag (it was stored, not just shown).
      await page.keyboard.press('ArrowLeft');
      await view.locator('[data-testid="tag-row"][data-tag="red"][data-status="confirmed"]').waitFor();
      await page.keyboard.press('Escape');
      await view.waitFor({ state: 'detached' });
    },
  },
  {
    name: 'captions photos, which become training pairs',
    async run({ page, shot }) {
      const view = page.getByTestId('photo-view');
      // Two photos of each colour, found by searching, described in the user's own words: words the
      // demo model has never seen (a shop's product names), which fine-tuning must teach it.
      const words: Record<string, [string, string]> = INVENTED_CAPTIONS;
      for (const [colour, captions] of Object.entries(words)) {
        await searchFor(page, colour);
        await page.locator('[data-testid="photo-cell"]').first().click();
        await view.waitFor();
        for (const [k, caption] of captions.entries()) {
          const name = await view.locator('h2').innerText();
          assert.match(name, new RegExp(`^${colour}-`));
          await view.getByRole('textbox', { name: 'Caption' }).fill(caption);
          await view.getByRole('button', { name: 'Save' }).click();
          await view.locator('li', { hasText: caption }).waitFor();
          if (colour === 'red' && k === 0) await shot('06-caption');
          if (k === 0) {
            await page.keyboard.press('ArrowRight');
            await view.locator('h2', { hasNotText: name }).waitFor();
          }
        }
        await page.keyboard.press('Escape');
        await view.waitFor({ state: 'detached' });
      }
      await nav(page, 'Fine-tuning').click();
      await page.getByTestId('pair-count').filter({ hasText: /^8$/ }).waitFor();
    },
  },
  {
    name: 'fine-tunes with a live loss chart, shows recall before and after, and uses the adapter',
    async run({ page, shot }) {
      await page.getByLabel('Epochs').fill('6');
      await page.getByRole('button', { name: 'Start training' }).click();
      await page.locator('[data-testid="training-status"][data-phase="done"]').waitFor({ timeout: 60_000 });
      await page.getByTestId('recall-chart').waitFor();
      const lossPath = await page.locator('[data-testid="loss-chart"] path.line-loss').getAttribute('d');
      assert.ok(lossPath && lossPath.split('L').length >= 2, 'the loss chart has a line');
      assert.equal(await page.locator('[data-testid="recall-chart"] rect').count(), 6);
      await page.getByTestId('adapter-list').waitFor();
      await shot('07-fine-tuned');
      // Training taught the invented words: recall on the captions went up.
      const chart = page.getByTestId('recall-chart');
      const before = Number(await chart.getAttribute('data-before-r1'));
      const after = Number(await chart.getAttribute('data-after-r1'));
      assert.ok(after > before, `Recall@1 should improve: ${before} -> ${after}`);
      // It measured better, so the one rule (ACTIVATION_RULE) put it to use at once.
      await page.getByTestId('adapter-list').getByText('in use').waitFor();
      // With the adapter in use, the new word finds its photos.
      await searchFor(page, 'blorf');
      await page.locator('[data-testid="photo-cell"]').first().waitFor();
      const names = await page
        .locator('[data-testid="photo-cell"]')
        .evaluateAll((cells) => cells.map((c) => c.getAttribute('data-name')));
      assert.match(names[0] ?? '', /^red-/, `"blorf" should find red photos first: ${names.join(', ')}`);
      await shot('07b-search-invented-word');
    },
  },
  {
    name: 'shows the model catalogue with the demo model in use',
    async run({ page, shot }) {
      await nav(page, 'Models').click();
      const demo = page.locator('[data-testid="model-card"][data-model="demo"]');
      await demo.getByText('in use').waitFor();
      assert.ok((await page.getByTestId('model-card').count()) > 1, 'the catalogue lists real models too');
      await shot('09-models');
    },
  },
  {
    name: 'follows the OS dark theme',
    async run({ page, shot }) {
      const light = await background(page);
      await page.emulateMedia({ colorScheme: 'dark' });
      await nav(page, 'Search').click();
      const dark = await background(page);
      assert.notEqual(dark, light);
      await shot('08-dark');
      await page.emulateMedia({ colorScheme: 'light' });
    },
  },
];
