// Duplicates in a real browser (web mode, the demo model, generated photos with near copies and an exact
// copy): the view lists each group with the copy to keep and why; "Resolve all shown" asks once, moves
// the other copies to Lookbook's trash (checked on the disk) and they leave Photos; Undo puts every file
// back, byte for byte. Screenshots (1440×900 and 800×900) go to test-results/e2e/.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { formatBytes } from '../main/api/types.js';
import { buildRenderer } from '../main/server/renderer-build.js';
import { startWebMode } from '../main/server/serve.js';
import type { WebMode } from '../main/server/serve.js';
import { chromiumMissing, openBrowser, screenshot } from './support/browser.js';
import type { Browser } from './support/browser.js';
import { makeDuplicateLibrary } from './support/duplicate-photos.js';
import type { DuplicateLibrary } from './support/duplicate-photos.js';

const skip = chromiumMissing();
if (skip) process.stderr.write(`e2e/duplicates: skipped: ${skip}\n`);

const WIDE = { width: 1440, height: 900 };
const NARROW = { width: 800, height: 900 };

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const sha = async (path: string) =>
  createHash('sha256')
    .update(await readFile(path))
    .digest('hex');
const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

/** Every file under `dir`, recursively. */
async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await filesUnder(p)));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

const nav = (page: Page, name: string) =>
  page.getByRole('navigation', { name: 'Sections' }).getByRole('button', { name, exact: true });

async function both(page: Page, name: string): Promise<void> {
  await page.setViewportSize(NARROW);
  await screenshot(page, `duplicates-${name}-800`);
  await page.setViewportSize(WIDE);
  await screenshot(page, `duplicates-${name}-1440`);
}

describe('duplicates in Chromium', { skip }, () => {
  let tmp: string;
  let dataDir: string;
  let library: DuplicateLibrary;
  let web: WebMode;
  let browser: Browser;
  let page: Page;
  let photoCount: number;
  /** Every generated file's bytes (as a hash) before anything moved. */
  const before_ = new Map<string, string>();
  const api = () => web.api.handlers;

  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'lookbook-e2e-duplicates-'));
    dataDir = join(tmp, 'data');
    library = await makeDuplicateLibrary(join(tmp, 'My Photos'));
    for (const f of library.files) before_.set(f, await sha(f));
    await buildRenderer();
    web = await startWebMode({ dataDir, port: 0, model: 'demo', log: () => undefined });
    await api()['folders.add']({ path: join(tmp, 'My Photos') });
    await until(async () => {
      const s = await api()['library.status']({});
      return s.indexing.phase === 'done' && s.photoCount > 0;
    }, 'the folder is indexed');
    photoCount = (await api()['library.status']({})).photoCount;

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

  it('lists each group, largest savings first, with the copy to keep and why', async () => {
    await nav(page, 'Duplicates').click();
    const groups = page.getByTestId('duplicate-group');
    await until(async () => (await groups.count()) === library.groups.length, 'the groups are listed');
    const listed = await api()['duplicates.list']({});
    assert.equal(listed.total, library.groups.length);

    // The order on screen is the core's (largest savings first), and each savings figure is shown.
    const ids = await groups.evaluateAll((els) => els.map((e) => e.getAttribute('data-group-id')));
    assert.deepEqual(
      ids,
      listed.groups.map((g) => g.id),
    );
    const savings = listed.groups.map((g) => g.savingBytes);
    assert.deepEqual(
      savings,
      [...savings].sort((a, b) => b - a),
    );

    for (const expected of library.groups) {
      const group = page.locator(
        `[data-testid="duplicate-group"]:has([data-testid="duplicate-copy"][data-path="${expected.keeper}"])`,
      );
      // The keeper is marked, the others are not, and nothing else is in the group (no distinct photo).
      const keeper = group.locator('[data-testid="duplicate-copy"][data-keeper="true"]');
      assert.equal(await keeper.getAttribute('data-path'), expected.keeper);
      await keeper.getByTestId('keeper-mark').waitFor();
      const paths = await group
        .getByTestId('duplicate-copy')
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-path')));
      assert.deepEqual([...paths].sort(), [expected.keeper, ...expected.others].sort());
      // The reason in words, as the core gave it, and the bytes the group would free.
      const mine = listed.groups.find((g) => g.copies.some((c) => c.path === expected.keeper));
      assert.ok(mine, `no group holds ${expected.keeper}`);
      assert.equal(mine.kind, expected.kind);
      const reason = (await group.getByTestId('group-reason').textContent())?.trim() ?? '';
      assert.match(reason, /^kept/i);
      assert.equal(reason, mine.reason);
      assert.match(
        (await group.getByTestId('group-saving').textContent()) ?? '',
        new RegExp(formatBytes(mine.savingBytes)),
      );
    }
    // The photo with no copy is in no group.
    for (const alone of library.alone) {
      assert.equal(await page.locator(`[data-testid="duplicate-copy"][data-path="${alone}"]`).count(), 0);
    }
    await both(page, 'list');
  });

  it('resolves all shown after one confirmation: the copies go to the trash and leave Photos', async () => {
    const listed = await api()['duplicates.list']({});
    const moving = library.groups.flatMap((g) => g.others);
    const freed = listed.groups.reduce((n, g) => n + g.savingBytes, 0);

    await page.getByTestId('duplicates-resolve-all').click();
    const dialog = page.getByTestId('duplicates-confirm');
    await dialog.waitFor();
    const text = (await dialog.getByTestId('confirm-text').textContent()) ?? '';
    assert.match(text, new RegExp(`^${moving.length} files from ${library.groups.length} groups`));
    assert.ok(text.includes(formatBytes(freed)), text);
    await both(page, 'confirm');
    await dialog.getByTestId('confirm-resolve').click();

    const summary = page.getByTestId('duplicates-summary');
    await summary
      .getByText(`Moved ${moving.length} files to Lookbook's trash, ${formatBytes(freed)} freed.`)
      .waitFor();

    // On the disk: each copy left its folder and its bytes are in the trash inside the data folder; the
    // keepers and the lone photo stayed where they were, untouched.
    for (const f of moving) assert.equal(await exists(f), false, `${f} is still there`);
    const trashed = new Set(await Promise.all((await filesUnder(dataDir)).map(sha)));
    for (const f of moving) assert.ok(trashed.has(before_.get(f)!), `${f} is not in the trash`);
    for (const f of [...library.groups.map((g) => g.keeper), ...library.alone]) {
      assert.equal(await sha(f), before_.get(f), `${f} changed`);
    }
    const trash = await api()['trash.list']({});
    assert.deepEqual(trash.map((t) => t.originalPath).sort(), [...moving].sort());

    // Photos no longer shows them, and the view has nothing left to resolve.
    await until(async () => {
      const all = await api()['search.query']({ limit: 1000 });
      return !all.items.some((p) => moving.includes(p.path));
    }, 'the moved copies leave the library');
    await nav(page, 'Photos').click();
    // The grid has drawn (the lone photo is there) before the copies' absence means anything.
    await page.locator('[data-testid="photo-cell"][data-name="yellow.jpg"]').waitFor();
    for (const f of moving) {
      const name = f.slice(f.lastIndexOf('/') + 1);
      if (library.files.filter((x) => x.endsWith(`/${name}`)).length > 1) continue; // green.jpg: kept too
      // The view refreshes when the library says it changed: wait for the copy to go.
      await page
        .locator(`[data-testid="photo-cell"][data-name="${name}"]`)
        .first()
        .waitFor({ state: 'detached', timeout: 10_000 });
    }
    await nav(page, 'Duplicates').click();
    await page.getByText('No duplicates found').waitFor();
    await both(page, 'resolved');
  });

  it('Undo puts every file back where it was, byte for byte', async () => {
    await page.getByTestId('duplicates-undo').click();
    await page
      .getByTestId('duplicates-summary')
      .getByText(/^Put back \d+ files where they were\./)
      .waitFor();
    for (const f of library.files) {
      assert.equal(await exists(f), true, `${f} is not back`);
      assert.equal(await sha(f), before_.get(f), `${f} differs from before`);
    }
    assert.deepEqual(await api()['trash.list']({}), []);
    // The library has them again, and so does the view.
    await until(
      async () => (await api()['library.status']({})).photoCount === photoCount,
      'the library counts them again',
    );
    await until(
      async () => (await page.getByTestId('duplicate-group').count()) === library.groups.length,
      'the groups are back',
    );
    await both(page, 'undone');
  });

  it('keeps another copy on request, and shows a copy at full size', async () => {
    const blue = library.groups[1]!;
    const group = page.locator(
      `[data-testid="duplicate-group"]:has([data-testid="duplicate-copy"][data-path="${blue.keeper}"])`,
    );
    const other = group.locator(`[data-testid="duplicate-copy"][data-path="${blue.others[0]}"]`);
    await other.getByTestId('keep-instead').click();
    await group
      .locator(`[data-testid="duplicate-copy"][data-keeper="true"][data-path="${blue.others[0]}"]`)
      .waitFor();
    const listed = await api()['duplicates.list']({});
    const core = listed.groups.find((g) => g.copies.some((c) => c.path === blue.keeper))!;
    assert.equal(core.copies.find((c) => c.id === core.keeperId)?.path, blue.others[0]);

    // Keyboard: the zoom opens from the focused thumbnail and Escape closes it.
    await other.getByRole('button', { name: /^Look closer/ }).focus();
    await page.keyboard.press('Enter');
    const zoom = page.getByTestId('duplicates-zoom');
    await zoom.locator('img').waitFor();
    const natural = await zoom
      .locator('img')
      .evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth);
    assert.ok(natural > 0);
    await both(page, 'zoom');
    await page.keyboard.press('Escape');
    await zoom.waitFor({ state: 'detached' });
  });

  it('leaves a skipped group alone (S on the focused group), and lists the trash', async () => {
    const red = library.groups[0]!;
    const blue = library.groups[1]!;
    const blueGroup = page.locator(
      `[data-testid="duplicate-group"]:has([data-testid="duplicate-copy"][data-path="${blue.keeper}"])`,
    );
    await blueGroup.focus();
    await page.keyboard.press('s');
    await page.locator('[data-testid="duplicate-group"][data-skipped="true"]').waitFor();

    await page.getByTestId('duplicates-resolve-all').click();
    const dialog = page.getByTestId('duplicates-confirm');
    const text = (await dialog.getByTestId('confirm-text').textContent()) ?? '';
    // Red's two copies and green's one; blue is skipped.
    assert.match(text, /^3 files from 2 groups/);
    assert.match(text, /1 skipped group stays as is/);
    await dialog.getByTestId('confirm-resolve').click();
    await page
      .getByTestId('duplicates-summary')
      .getByText(/^Moved 3 files/)
      .waitFor();
    for (const f of [blue.keeper, ...blue.others]) assert.equal(await exists(f), true, `${f} moved`);
    for (const f of red.others) assert.equal(await exists(f), false, `${f} stayed`);

    await page.getByTestId('trash-toggle').click();
    const items = page.getByTestId('trash-item');
    await until(async () => (await items.count()) === 3, 'the trash lists the 3 files');
    const listed = await items.evaluateAll((els) => els.map((e) => e.getAttribute('data-path')));
    assert.deepEqual(listed.sort(), [...red.others, ...library.groups[2]!.others].sort());
    await both(page, 'trash');

    await page.getByTestId('duplicates-undo').click();
    await page
      .getByTestId('duplicates-summary')
      .getByText(/^Put back 3 files/)
      .waitFor();
    await until(async () => (await items.count()) === 0, 'the trash is empty again');
    for (const f of library.files) assert.equal(await sha(f), before_.get(f), `${f} differs from before`);
  });

  it('moves one group from its own button, and empties the trash after asking', async () => {
    const red = library.groups[0]!;
    const redGroup = page.locator(
      `[data-testid="duplicate-group"]:has([data-testid="duplicate-copy"][data-path="${red.keeper}"])`,
    );
    await redGroup.getByTestId('group-resolve').click();
    await page
      .getByTestId('duplicates-summary')
      .getByText(/^Moved 2 files/)
      .waitFor();
    const items = page.getByTestId('trash-item');
    await until(async () => (await items.count()) === 2, 'the trash lists the 2 files');

    await page.getByTestId('trash-empty').click();
    const confirm = page.getByTestId('trash-empty-confirm');
    await confirm.getByText(/2 files .* will be deleted for good/).waitFor();
    await both(page, 'empty-confirm');
    await confirm.getByTestId('trash-empty-yes').click();
    await until(async () => (await items.count()) === 0, 'the trash is empty');
    // Gone from the disk for good (web mode), and the kept photo is untouched.
    const left = new Set(await Promise.all((await filesUnder(dataDir)).map(sha)));
    for (const f of red.others) assert.equal(left.has(before_.get(f)!), false, `${f} is still in the trash`);
    assert.equal(await sha(red.keeper), before_.get(red.keeper));
  });
});
