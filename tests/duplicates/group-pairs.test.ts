import { test } from 'node:test';
import assert from 'node:assert/strict';
import { groupPairs, MAX_GROUP } from '../../main/duplicates/duplicate-finder.js';
import { similarPairs } from '../../main/duplicates/similar-pairs.js';

// Grouping without chains: a slow pan (each frame alike its neighbours, the ends unlike) does not become
// one group, and no group passes MAX_GROUP photos.

test('a chain of alike neighbours splits into groups whose members are all alike their first photo', () => {
  // Photos 0..9 on a line: neighbours within 1.5 steps are alike.
  const alike = (a: number, b: number) => Math.abs(a - b) <= 1.5;
  const pairs = [];
  for (let i = 0; i < 9; i++) pairs.push({ a: i, b: i + 1, similarity: 0.95 });
  const groups = groupPairs(pairs, alike);
  assert.ok(groups.length > 1, 'not one giant group');
  for (const g of groups)
    assert.ok(
      g.every((i) => alike(g[0]!, i)),
      `every member is alike the seed: ${g}`,
    );
});

test('no group passes MAX_GROUP, and the random-projection index finds near copies among many photos', () => {
  const n = MAX_GROUP + 20;
  const pairs = [];
  for (let i = 1; i < n; i++) pairs.push({ a: 0, b: i, similarity: 0.99 });
  assert.ok(groupPairs(pairs, () => true).every((g) => g.length <= MAX_GROUP));

  // 2,000 random unit vectors of 64 numbers, and a near copy of each of the first 50 (cosine ≈ 0.98).
  let s = 7;
  const rand = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
  const unit = (v: Float32Array) => v.map((x, _, a) => x / Math.hypot(...a));
  const vectors = Array.from({ length: 2000 }, () => unit(Float32Array.from({ length: 64 }, rand)));
  for (let i = 0; i < 50; i++) vectors.push(unit(vectors[i]!.map((x) => x + rand() * 0.03)));
  const found = similarPairs(vectors, 0.9);
  const copies = found.filter((p) => p.b >= 2000 && p.a === p.b - 2000);
  assert.ok(copies.length >= 48, `near copies found: ${copies.length} of 50`);
  assert.ok(
    found.length - copies.length <= 5,
    `unrelated pairs above the threshold: ${found.length - copies.length}`,
  );
});
