import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { COLOURS, INVENTED, colourPhoto, tempDir, tsvLine } from './integration-fixtures.js';

// The fine-tuning commands as a user runs them: `lookbook pairs`, `tune`, `eval`, `adapters`,
// `export-features`, each a separate process on the same data directory.

function lookbook(dataDir: string, ...args: string[]) {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'main/cli/cli.ts', '--data-dir', dataDir, ...args],
    {
      encoding: 'utf8',
    },
  );
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('pairs import (with a bad line), tune, eval --json, adapters, export-features to TSV and Arrow', async () => {
  const dir = await tempDir('tuning-cli');
  try {
    const lines: string[] = [];
    const evalLines: string[] = [];
    for (const colour of COLOURS) {
      for (let seed = 0; seed < 4; seed++)
        lines.push(
          tsvLine(
            `a ${INVENTED[colour]} photo`,
            await colourPhoto(colour, seed),
            seed % 2 ? 'url' : 'standard',
          ),
        );
      evalLines.push(tsvLine(`a ${INVENTED[colour]} photo`, await colourPhoto(colour, 50)));
    }
    lines.splice(3, 0, 'a line without an image'); // line 4
    const train = join(dir.path, 'train.tsv');
    const held = join(dir.path, 'held.tsv');
    await writeFile(train, `${lines.join('\n')}\n`);
    await writeFile(held, `${evalLines.join('\n')}\n`);
    const data = join(dir.path, 'data');

    // Into the library, so that the library's features can be exported below.
    const imported = lookbook(data, 'pairs', 'import', train, '--into-library');
    assert.equal(imported.code, 1, 'a skipped line makes the exit code non-zero');
    assert.match(imported.stdout, /Imported 44 pairs/);
    assert.match(imported.stderr, /train\.tsv:4: missing column/);
    assert.match(imported.stderr, /1 entry was skipped/);

    const listed = lookbook(data, 'pairs', 'list', '--json');
    assert.equal(listed.code, 0, listed.stderr);
    const pairs = listed.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.equal(pairs.length, 44);
    assert.ok(pairs.every((p) => p.source === 'tsv' && (p.split === 'train' || p.split === 'val')));

    const zeroShot = lookbook(data, 'eval', held, '--json');
    assert.equal(zeroShot.code, 0, zeroShot.stderr);
    const before = JSON.parse(zeroShot.stdout);
    assert.equal(before.pairs, 11);
    assert.equal(before.adapter, 'none');
    for (const k of ['1', '5', '10']) {
      assert.ok(before.textToImage[k] >= 0 && before.textToImage[k] <= 1);
      assert.ok(before.imageToText[k] >= 0 && before.imageToText[k] <= 1);
    }
    assert.equal(typeof before.mean, 'number');

    const tuned = lookbook(data, 'tune', '--epochs', '15');
    assert.equal(tuned.code, 0, tuned.stderr);
    assert.match(tuned.stdout, /before .*%/);
    assert.match(tuned.stdout, /after .*%/);
    assert.match(tuned.stdout, /v1 is in use: it measured better than without it/);
    assert.match(tuned.stdout, /Search, similar and tagging use it now/);
    assert.match(tuned.stderr, /epoch 1\/15 +loss [0-9.]+ +R@1 [0-9.]+% on \d+ held-out pairs/);

    const after = JSON.parse(lookbook(data, 'eval', held, '--json').stdout);
    assert.equal(after.adapter, 'v1');
    assert.ok(after.textToImage['1'] >= 0.9, JSON.stringify(after));
    const none = JSON.parse(lookbook(data, 'eval', held, '--json', '--adapter', 'none').stdout);
    assert.deepEqual(none.textToImage, before.textToImage);

    const adapters = lookbook(data, 'adapters', 'list');
    assert.match(adapters.stdout, /^\* v1 .*alpha 1/m);
    assert.match(lookbook(data, 'adapters', 'use', 'none').stdout, /Using no adapter/);
    assert.match(lookbook(data, 'adapters', 'rollback').stdout, /Using adapter v1/);

    // Features: a TSV dataset's both sides as TSV; the library's photos, adapted, as Arrow.
    const outDir = join(dir.path, 'out');
    await mkdir(outDir);
    const tsvOut = join(outDir, 'held.tsv');
    const exported = lookbook(
      data,
      'export-features',
      '--from',
      'tsv',
      held,
      '--kind',
      'both',
      '--out',
      tsvOut,
    );
    assert.equal(exported.code, 0, exported.stderr);
    const rows = (await readFile(tsvOut, 'utf8')).trim().split('\n');
    assert.equal(rows[0]!.split('\t').length, 1 + 64);
    assert.equal(rows.length, 1 + 22);
    assert.deepEqual(
      rows.slice(1, 3).map((r) => r.split('\t')[0]),
      ['image:1', 'image:2'],
    );
    const v = rows[1]!.split('\t').slice(1).map(Number);
    assert.ok(Math.abs(Math.hypot(...v) - 1) < 1e-4, 'unit vectors');

    const arrowOut = join(outDir, 'library.arrow');
    const lib = lookbook(data, 'export-features', '--from', 'library', '--adapted', '--out', arrowOut);
    assert.equal(lib.code, 0, lib.stderr);
    assert.match(lib.stdout, /Wrote 44 64-dimensional vectors .*adapter v1/);
    const table = tableFromIPC(await readFile(arrowOut));
    assert.equal(table.numRows, 44);
    const ids = table.getChild('id')!.toArray() as string[];
    assert.ok(ids.every((id) => /^[0-9a-f]{64}$/.test(id)));
    const first = table.getChild('vector')!.get(0)!.toArray() as Float32Array;
    assert.equal(first.length, 64);
    const bad = lookbook(data, 'export-features', '--from', 'tsv', '--out', join(outDir, 'x.tsv'));
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /--from tsv needs a file/);
  } finally {
    await dir.cleanup();
  }
});
