import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { writeFeaturesArrow, writeFeaturesTsv } from '../../main/tuning/feature-export.js';
import type { FeatureRow } from '../../main/tuning/feature-export.js';

const dim = 5;
const rows: FeatureRow[] = Array.from({ length: 11 }, (_, i) => ({
  id: `photo-${i}`,
  vector: Float32Array.from({ length: dim }, (_, j) => Math.fround(Math.sin(i * 7 + j) / 3)),
}));

test('Arrow IPC export reads back with apache-arrow: ids and exact float32 vectors, across batches', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'lookbook-features-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, 'features.arrow');
  // batchRows 4 splits 11 rows into 3 record batches.
  assert.equal(await writeFeaturesArrow(path, rows, dim, 4), rows.length);
  const table = tableFromIPC(await readFile(path));
  assert.equal(table.numRows, rows.length);
  assert.deepEqual(
    table.schema.fields.map((f) => f.name),
    ['id', 'vector'],
  );
  assert.equal(String(table.schema.fields[1]!.type), `FixedSizeList[${dim}]<Float32>`);
  const ids = table.getChild('id')!;
  const vectors = table.getChild('vector')!;
  rows.forEach((r, i) => {
    assert.equal(ids.get(i), r.id);
    assert.deepEqual(Float32Array.from(vectors.get(i)!.toArray() as Float32Array), r.vector);
  });
});

test('Arrow IPC export of nothing is still a valid, empty file', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'lookbook-features-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, 'empty.arrow');
  assert.equal(await writeFeaturesArrow(path, [], dim), 0);
  assert.equal(tableFromIPC(await readFile(path)).numRows, 0);
});

test('TSV export: header, id column, floats that parse back to the same float32', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'lookbook-features-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, 'features.tsv');
  assert.equal(await writeFeaturesTsv(path, rows, dim), rows.length);
  const lines = (await readFile(path, 'utf8')).trimEnd().split('\n');
  assert.equal(lines[0], 'id\tf0\tf1\tf2\tf3\tf4');
  assert.equal(lines.length, rows.length + 1);
  rows.forEach((r, i) => {
    const [id, ...floats] = lines[i + 1]!.split('\t');
    assert.equal(id, r.id);
    assert.deepEqual(Float32Array.from(floats.map(Number)), r.vector);
  });
});

test('a vector of the wrong length is refused with the row it came from', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'lookbook-features-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const bad = [...rows.slice(0, 2), { id: 'short', vector: new Float32Array(3) }];
  await assert.rejects(
    writeFeaturesArrow(join(dir, 'x.arrow'), bad, dim),
    /row 2 \(short\) has 3 values, expected 5/,
  );
  await assert.rejects(writeFeaturesTsv(join(dir, 'x.tsv'), bad, dim), /row 2 \(short\)/);
});
