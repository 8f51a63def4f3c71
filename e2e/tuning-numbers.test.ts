// The Fine-tuning view's numbers in a real browser (web mode, demo model): the pairs are counted the way
// `pairs list` counts them, the recall card says what its figure was measured on and warns when that is
// fewer than 20 pairs, the adapter is named as the CLI names it, and the loss chart ends at the last
// epoch that ran. Screenshot: test-results/e2e/web-tuning-numbers.png.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adapterName } from '../main/adapters/adapter-store.js';
import { openCore } from '../main/core/open-core.js';
import { buildRenderer } from '../main/server/renderer-build.js';
import { startWebMode, type WebMode } from '../main/server/serve.js';
import { describePairCounts, type PairCounts } from '../main/tuning/pairs-store.js';
import { FEW_PAIRS_FOR_RECALL, MIN_PAIRS } from '../main/tuning/recall.js';
import { COLOURS, INVENTED, colourPhoto, tsvLine } from '../tests/tuning/integration-fixtures.js';
import { chromiumMissing, openBrowser, screenshot, type Browser } from './support/browser.js';

const skip = chromiumMissing();
if (skip) process.stderr.write(`e2e/tuning-numbers: skipped: ${skip}\n`);

describe('the Fine-tuning view’s numbers', { skip }, () => {
  let tmp: string;
  let web: WebMode;
  let browser: Browser;
  let counts: PairCounts;

  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'lookbook-e2e-tuning-'));
    const dataDir = join(tmp, 'data');
    // 44 pairs: 4 photos of each demo colour, captioned with its invented word, imported as a dataset.
    const lines: string[] = [];
    for (const colour of COLOURS)
      for (let seed = 0; seed < 4; seed++)
        lines.push(tsvLine(`a ${INVENTED[colour]} photo`, await colourPhoto(colour, seed)));
    const tsv = join(tmp, 'pairs.tsv');
    await writeFile(tsv, `${lines.join('\n')}\n`);
    const core = await openCore({ dataDir, model: 'demo' });
    try {
      const tuning = await core.tuning();
      assert.equal((await tuning.importTsv(tsv)).imported, 44);
      counts = await tuning.counts();
    } finally {
      await core.close();
    }
    await buildRenderer();
    web = await startWebMode({ dataDir, port: 0, model: 'demo', log: () => undefined });
    browser = await openBrowser();
  });

  after(async () => {
    await browser?.close();
    await web?.close();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('the recall card says what it was measured on, and warns under 20 pairs', async () => {
    const page = browser.page;
    await page.goto(web.server.url);
    await page.getByRole('navigation').getByRole('button', { name: 'Fine-tuning' }).click();
    // The pairs as `pairs list` counts them (the same core function).
    await page
      .getByTestId('pair-summary')
      .filter({ hasText: describePairCounts(counts) })
      .waitFor();

    await page.getByLabel('Epochs').fill('4');
    await page.getByRole('button', { name: 'Start training' }).click();
    await page.locator('[data-testid="training-status"][data-phase="done"]').waitFor({ timeout: 90_000 });

    const note = await page.getByTestId('recall-note').innerText();
    const measuredOn =
      counts.measured >= MIN_PAIRS ? `on ${counts.measured} held-out pairs` : /on \d+ training pairs/;
    if (typeof measuredOn === 'string') assert.ok(note.includes(measuredOn), note);
    else assert.match(note, measuredOn);
    assert.match(note, /^Recall@1 [\d.]+% → [\d.]+% on /);
    const n = Number(/on (\d+)/.exec(note)![1]);
    if (n < FEW_PAIRS_FOR_RECALL) assert.match(note, new RegExp(`fewer than ${FEW_PAIRS_FOR_RECALL} pairs`));

    // The adapter list names it as `adapters list` does and repeats the same figure.
    const item = page.getByTestId('adapter-list').locator('li').first();
    const text = await item.innerText();
    assert.match(text, /^v1 \(\d{4}-\d\d-\d\d \d\d:\d\d\)/);
    assert.ok(text.includes(note), text);
    assert.ok(text.includes(`trained on ${counts.train} pairs`), text);
    const [listed] = await web.api.handlers['adapters.list']({});
    assert.ok(text.startsWith(adapterName(1, listed!.createdAt)), 'the name `adapters list` prints');

    // The loss chart's axis ends at the last epoch that ran (4, or fewer after an early stop).
    const lastEpoch = Number(await page.getByTestId('loss-chart').getAttribute('data-last-epoch'));
    const points =
      (await page.locator('[data-testid="loss-chart"] path.line-loss').getAttribute('d'))!.split(/[ML]/)
        .length - 1;
    assert.equal(lastEpoch, points);
    await screenshot(page, 'web-tuning-numbers');
  });
});
