// The same new-user flow inside the Electron app, driven by playwright's _electron. Electron's binary
// cannot always be downloaded (offline machines, some CI): then this file is skipped and says why.
import { after, before, describe, it } from 'node:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { _electron } from 'playwright-core';
import type { ElectronApplication, Page } from 'playwright-core';
import { REPO_ROOT, buildRenderer } from '../main/server/renderer-build.js';
import { screenshot } from './support/browser.js';
import { NEW_USER_FLOW } from './support/flows.js';
import type { FlowContext } from './support/flows.js';
import { makeColourPhotos } from './support/photos.js';
import { buildCompiledCore } from '../scripts/compiled-core.mjs';
import { electronBinary } from '../scripts/electron-binary.mjs';

const binary = electronBinary(REPO_ROOT);
const skip = binary
  ? false
  : 'no Electron binary (node_modules/electron/dist is missing: it could not be downloaded); the same flows run in web-mode.test.ts';
if (skip) process.stderr.write(`e2e/electron: skipped: ${skip}\n`);

const PER_COLOUR = 4;

describe('the Electron app', { skip }, () => {
  let tmp: string;
  let app: ElectronApplication;
  let page: Page;
  let ctx: FlowContext;

  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'lookbook-electron-'));
    const photosDir = join(tmp, 'My Photos');
    await makeColourPhotos(photosDir, PER_COLOUR);
    await buildRenderer();
    const failure = buildCompiledCore(REPO_ROOT);
    if (failure) throw new Error(`npm run build:electron failed:\n${failure}`);
    app = await _electron.launch({
      executablePath: binary!,
      args: [REPO_ROOT, '--no-sandbox', '--disable-gpu'],
      env: { ...process.env, LOOKBOOK_DATA_DIR: join(tmp, 'data') } as Record<string, string>,
    });
    page = await app.firstWindow();
    page.setDefaultTimeout(20_000);
    ctx = {
      page,
      photosDir,
      perColour: PER_COLOUR,
      open: async () => void (await page.waitForLoadState('domcontentloaded')),
      async addFolder() {
        // The native folder dialog cannot be clicked by a test: it answers with the folder instead.
        await app.evaluate(({ dialog }, dir) => {
          dialog.showOpenDialog = (async () => ({
            canceled: false,
            filePaths: [dir],
          })) as typeof dialog.showOpenDialog;
        }, photosDir);
        await page.getByRole('button', { name: 'Add a folder…' }).click();
      },
      shot: (name) => screenshot(page, `electron-${name}`),
    };
  });

  after(async () => {
    await app?.close();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('runs with context isolation and no Node in the page', async () => {
    const exposed = await page.evaluate(() => {
      const w = globalThis as unknown as Record<string, unknown>;
      return { bridge: typeof w.lookbook, require: typeof w.require, process: typeof w.process };
    });
    if (exposed.bridge !== 'object' || exposed.require !== 'undefined' || exposed.process !== 'undefined') {
      throw new Error(`unexpected globals: ${JSON.stringify(exposed)}`);
    }
  });

  for (const step of NEW_USER_FLOW) it(step.name, () => step.run(ctx));
});
