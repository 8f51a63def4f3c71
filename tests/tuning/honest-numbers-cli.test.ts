import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FEW_PAIRS_FOR_RECALL } from '../../main/tuning/recall.js';
import { ACTIVATION_RULE } from '../../main/tuning/training-run.js';
import { COLOURS, INVENTED, colourPhoto, tempDir, tsvLine } from './integration-fixtures.js';

// The CLI's numbers about fine-tuning say what they count and measure: `pairs list` and `tune` count
// the pairs one way, every recall figure names its n and warns under 20 pairs, adapters are named
// v1 (date), `tune --help` states when a new adapter is put to use, and `eval` says how repeated
// captions are counted.

const lookbook = (dataDir: string, ...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'main/cli/cli.ts', '--data-dir', dataDir, ...args], {
    encoding: 'utf8',
  });

const oneLine = (s: string) => s.replace(/\s+/g, ' ');

test('pairs list, tune and adapters list agree on the counts and say what recall was measured on', async () => {
  const dir = await tempDir('honest-numbers');
  try {
    // 44 pairs: 4 photos of each demo colour with its invented word (the default 10% are held out).
    const lines: string[] = [];
    for (const colour of COLOURS)
      for (let seed = 0; seed < 4; seed++)
        lines.push(tsvLine(`a ${INVENTED[colour]} photo`, await colourPhoto(colour, seed)));
    const tsv = join(dir.path, 'pairs.tsv');
    await writeFile(tsv, `${lines.join('\n')}\n`);
    const data = join(dir.path, 'data');
    assert.equal(lookbook(data, 'pairs', 'import', tsv).status, 0);

    const listed = lookbook(data, 'pairs', 'list');
    const counts = /(\d+) pairs: (\d+) to train on, (\d+) held out to measure recall/.exec(listed.stdout);
    assert.ok(counts, listed.stdout);
    const [total, train, measured] = counts.slice(1).map(Number) as [number, number, number];
    assert.equal(total, 44);
    assert.ok(train + measured <= total && measured >= 2, listed.stdout);

    const help = oneLine(lookbook(data, 'tune', '--help').stdout);
    assert.ok(help.includes(ACTIVATION_RULE), `tune --help states the rule: ${help}`);

    const tuned = lookbook(data, 'tune', '--epochs', '4');
    assert.equal(tuned.status, 0, tuned.stderr);
    // The same counts as `pairs list`: trained on its training pairs, measured on its held-out ones.
    assert.match(tuned.stdout, new RegExp(`Trained on ${train} pairs`));
    assert.match(tuned.stdout, new RegExp(`Recall on ${measured} held-out pairs:`));
    assert.ok(measured < FEW_PAIRS_FOR_RECALL);
    assert.match(
      tuned.stdout,
      new RegExp(`Recall@1 [\\d.]+% → [\\d.]+% on ${measured} held-out pairs \\(fewer than 20 pairs`),
    );
    // Whichever way it went, it says whether v1 is in use and why.
    assert.match(
      tuned.stdout,
      /v1 is (in use: it measured better|saved but not in use: it did not measure better)/,
    );

    const adapters = lookbook(data, 'adapters', 'list');
    assert.match(adapters.stdout, /^[* ] v1 \(\d{4}-\d\d-\d\d \d\d:\d\d\) /m);
    assert.ok(adapters.stdout.includes(`trained on ${train} pairs`), adapters.stdout);
    assert.ok(
      adapters.stdout.includes(`on ${measured} held-out pairs (fewer than 20 pairs`),
      adapters.stdout,
    );
  } finally {
    await dir.cleanup();
  }
});

test('eval counts a repeated caption once, as training does, and says so', async () => {
  const dir = await tempDir('honest-eval');
  try {
    // 3 captions, each on 3 photos of its colour: 9 lines, 3 distinct captions.
    const lines: string[] = [];
    for (const colour of ['red', 'blue', 'green'] as const)
      for (let seed = 0; seed < 3; seed++)
        lines.push(tsvLine(`a ${INVENTED[colour]} photo`, await colourPhoto(colour, seed)));
    const tsv = join(dir.path, 'repeats.tsv');
    await writeFile(tsv, `${lines.join('\n')}\n`);
    const data = join(dir.path, 'data');

    const r = lookbook(data, 'eval', tsv, '--adapter', 'none');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /Recall on 3 pairs \(fewer than 20 pairs/);
    assert.match(r.stdout, /6 more pairs repeat a caption or photo already counted and are left out/);
    const json = JSON.parse(lookbook(data, 'eval', tsv, '--adapter', 'none', '--json').stdout) as {
      pairs: number;
      repeats: number;
    };
    assert.deepEqual([json.pairs, json.repeats], [3, 6]);
  } finally {
    await dir.cleanup();
  }
});
