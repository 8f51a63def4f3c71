// Lookbook in a real browser, as a new user meets it: web mode (`lookbook serve`, started in-process)
// with the demo model and a folder of generated colour photos. Screenshots go to test-results/e2e/.
import { after, before, describe, it } from 'node:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildRenderer } from '../main/server/renderer-build.js';
import { startWebMode } from '../main/server/serve.js';
import type { WebMode } from '../main/server/serve.js';
import { chromiumMissing, openBrowser, screenshot } from './support/browser.js';
import type { Browser } from './support/browser.js';
import { NEW_USER_FLOW } from './support/flows.js';
import type { FlowContext } from './support/flows.js';
import { makeColourPhotos } from './support/photos.js';

const skip = chromiumMissing();
if (skip) process.stderr.write(`e2e/web-mode: skipped: ${skip}\n`);

const PER_COLOUR = 4;

describe('web mode in Chromium', { skip }, () => {
  let tmp: string;
  let web: WebMode;
  let browser: Browser;
  let ctx: FlowContext;

  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'lookbook-e2e-'));
    const photosDir = join(tmp, 'My Photos');
    await makeColourPhotos(photosDir, PER_COLOUR);
    await buildRenderer();
    web = await startWebMode({ dataDir: join(tmp, 'data'), port: 0, model: 'demo', log: () => undefined });
    browser = await openBrowser();
    const page = browser.page;
    page.on('pageerror', (e) => process.stderr.write(`page error: ${e.message}\n`));
    ctx = {
      page,
      photosDir,
      perColour: PER_COLOUR,
      open: async () => void (await page.goto(web.server.url)),
      async addFolder() {
        await page.getByLabel('Folder path').fill(photosDir);
        await page.getByRole('button', { name: 'Add folder' }).click();
      },
      shot: (name) => screenshot(page, `web-${name}`),
    };
  });

  after(async () => {
    await browser?.close();
    await web?.close();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('asks for the secret link when the address has no token', async () => {
    const page = browser.page;
    await page.goto(web.server.origin);
    await page.getByRole('heading', { name: 'This page needs its secret link' }).waitFor();
    await screenshot(page, 'web-00-no-token');
  });

  for (const step of NEW_USER_FLOW) it(step.name, () => step.run(ctx));
});
