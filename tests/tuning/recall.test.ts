import { test } from 'node:test';
import assert from 'node:assert/strict';
import { recallAtK, recallFromEmbeddings } from '../../main/tuning/recall.js';
import { createRng } from '../../main/adapters/linalg.js';

// Rows = texts, columns = images; pair i's right answer is the diagonal.
// Text ranks (others scoring >= the right one): row0 0, row1 2 (0.8, 0.7), row2 1 (a tie at 0.6), row3 3.
// Image ranks (down each column):             col0 0, col1 1 (0.6), col2 1 (0.7), col3 3.
const hand = Float32Array.from(
  [
    [0.9, 0.1, 0.2, 0.3],
    [0.8, 0.5, 0.7, 0.1],
    [0.4, 0.6, 0.6, 0.2],
    [0.3, 0.2, 0.1, 0.0],
  ].flat(),
);

test('Recall@K in both directions on a hand-made matrix, ties counted pessimistically', () => {
  const r = recallAtK(hand, 4, [1, 2, 3]);
  assert.deepEqual(r.textToImage, { 1: 0.25, 2: 0.5, 3: 0.75 });
  assert.deepEqual(r.imageToText, { 1: 0.25, 2: 0.75, 3: 0.75 });
  assert.ok(Math.abs(r.mean - (0.25 + 0.5 + 0.75 + 0.25 + 0.75 + 0.75) / 6) < 1e-12);
});

test('default K = 1, 5, 10: everything is within the top 5 of 4 candidates', () => {
  const r = recallAtK(hand, 4);
  assert.deepEqual(r.textToImage, { 1: 0.25, 5: 1, 10: 1 });
  assert.deepEqual(r.imageToText, { 1: 0.25, 5: 1, 10: 1 });
});

test('a model that scores everything the same gets recall 0, not 1; a NaN score is a miss', () => {
  const flat = recallAtK(new Float32Array(9).fill(0.5), 3, [1, 2]);
  assert.deepEqual(flat.textToImage, { 1: 0, 2: 0 });
  assert.deepEqual(flat.imageToText, { 1: 0, 2: 0 });
  const withNaN = Float32Array.from([NaN, 0, 0, 1]);
  const r = recallAtK(withNaN, 2, [1]);
  assert.deepEqual(r.textToImage, { 1: 0.5 }); // text 0 misses, text 1 hits
  assert.deepEqual(r.imageToText, { 1: 0.5 });
});

test('recall from embeddings (blockwise, no n×n matrix) equals recall from the full matrix', () => {
  const rng = createRng(11);
  const n = 37;
  const d = 8;
  const unit = () => {
    const v = Float32Array.from({ length: d }, () => rng() - 0.5);
    const s = Math.hypot(...v);
    return v.map((x) => x / s);
  };
  const images = Array.from({ length: n }, unit);
  // Texts near their image, some far, and one exact duplicate of another text (a tie).
  const texts = images.map((im, i) => (i % 3 === 0 ? unit() : im.map((x) => x + (rng() - 0.5) * 0.4)));
  texts[5] = texts[4]!.slice();
  const sim = new Float32Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < d; p++) s += texts[i]![p]! * images[j]![p]!;
      sim[i * n + j] = s;
    }
  }
  const full = recallAtK(sim, n);
  for (const block of [1, 5, 64])
    assert.deepEqual(recallFromEmbeddings(texts, images, [1, 5, 10], block), full);
  assert.ok(
    full.textToImage[1]! > 0.3 && full.textToImage[1]! < 1,
    'the test data is neither trivial nor hopeless',
  );
});

test('mismatched inputs are refused', () => {
  assert.throws(() => recallAtK(new Float32Array(3), 2), /2×2/);
  assert.throws(() => recallFromEmbeddings([new Float32Array(2)], []), /1 texts but 0 images/);
});
