// The faster version of the model in use (issue 15 item 1), in Chromium against the web mode: the Models
// view offers it on a computer without a graphics card, says what it trades in plain words, makes it
// with progress, and switching to it is one button, as for any model.
// Screenshots go to test-results/e2e/faster-model-*.png.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openCore } from '../main/core/open-core.js';
import { importModel } from '../main/models/import-model.js';
import { setActiveModel } from '../main/models/installed-models.js';
import { buildRenderer } from '../main/server/renderer-build.js';
import { startWebMode, type WebMode } from '../main/server/serve.js';
import { chromiumMissing, openBrowser, screenshot, type Browser } from './support/browser.js';
import { makeColourPhotos } from './support/photos.js';

const skip = chromiumMissing();
if (skip) process.stderr.write(`e2e/faster-model: skipped: ${skip}\n`);

describe('a faster version of the model in use (web mode)', { skip }, () => {
  let tmp: string;
  let web: WebMode | undefined;
  let browser: Browser;
  const page = () => browser.page;
  const card = (id: string) => page().locator(`[data-testid="model-card"][data-model="${id}"]`);

  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'lookbook-faster-model-'));
    const dataDir = join(tmp, 'data');
    const photos = join(tmp, 'photos');
    await makeColourPhotos(photos, 1);
    await importModel(resolve('../shared/fixtures/clip-tiny-a/immich'), { dataDir, id: 'tiny' });
    await setActiveModel(dataDir, 'tiny');
    const core = await openCore({ dataDir, threads: 1 });
    await core.library.addFolder(photos);
    await core.library.index();
    await core.close();
    await buildRenderer();
    browser = await openBrowser();
    browser.page.on('pageerror', (e) => process.stderr.write(`page error: ${e.message}\n`));
    await browser.page.setViewportSize({ width: 800, height: 900 });
    web = await startWebMode({ dataDir, port: 0, device: 'cpu', log: () => undefined });
  });

  after(async () => {
    await browser?.close();
    await web?.close();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('offers it in plain words, makes it with progress, and switches to it', async () => {
    await page().goto(web!.server.url);
    await page()
      .getByRole('navigation', { name: 'Sections' })
      .getByRole('button', { name: 'Models' })
      .click();
    const offer = card('tiny').getByTestId('faster-version');
    await offer.waitFor();
    const words = await offer.innerText();
    assert.match(words, /A faster version for this computer/);
    assert.match(words, /about twice as fast on this computer's processor/);
    assert.match(words, /very slightly less precise/);
    assert.doesNotMatch(words, /int8|quantiz|cosine|embedding|fp16/i, 'no jargon');
    await screenshot(page(), 'faster-model-offer-800');

    await offer.getByRole('button', { name: 'Make the faster version' }).click();
    await page()
      .getByTestId('toast')
      .filter({ hasText: 'The faster version is ready' })
      .waitFor({ timeout: 120_000 });
    const copy = card('tiny-int8');
    await copy.waitFor();
    assert.match(await copy.innerText(), /faster copy of tiny.*agreed at least 99\.\d% with the original/s);
    assert.equal(await offer.count(), 0, 'offered no more once made');

    await copy.getByRole('button', { name: 'Use this model' }).click();
    await page().getByTestId('toast').filter({ hasText: 'Now using' }).waitFor({ timeout: 60_000 });
    await copy.getByText('in use').waitFor();
    await copy.scrollIntoViewIfNeeded();
    await screenshot(page(), 'faster-model-in-use-800');
  });
});
