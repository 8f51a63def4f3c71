import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isFlat, relevanceThreshold, scoreStats } from '../../main/search/cutoff.js';
import { combine, parseQuery } from '../../main/search/query-text.js';

// The cut-off on score distributions shaped like real ones (the demo model's are checked end to end in
// library-search.test.ts).

function keep(scores: number[]): number[] {
  const stats = scoreStats(scores);
  const top = Math.max(...scores);
  const t = relevanceThreshold(stats, top);
  return scores.map((s, i) => (s >= t ? i : -1)).filter((i) => i >= 0);
}

test('matches are kept whatever share of the library they are', () => {
  for (const share of [0.02, 0.1, 0.33, 0.45]) {
    const n = 200;
    const matches = Math.round(n * share);
    // Matches around 0.31, the rest around 0.2, with noise: CLIP ViT-B/32's typical scale.
    const scores = Array.from(
      { length: n },
      (_, i) => (i < matches ? 0.31 : 0.2) + Math.sin(i * 12.9898) * 0.01,
    );
    const kept = keep(scores);
    assert.deepEqual(
      kept,
      Array.from({ length: matches }, (_, i) => i),
      `share ${share}`,
    );
  }
});

test('the same shape at another scale gives the same answer (no fixed threshold)', () => {
  const base = Array.from({ length: 100 }, (_, i) => (i < 7 ? 0.9 : 0.1) + Math.cos(i) * 0.02);
  assert.deepEqual(keep(base), keep(base.map((s) => s * 0.3 + 0.15)));
});

test('a unimodal distribution keeps only its upper tail', () => {
  const scores = Array.from(
    { length: 1000 },
    (_, i) => 0.22 + 0.02 * Math.sqrt(-2 * Math.log((i + 0.5) / 1000)) * Math.cos(i * 2.399),
  );
  const kept = keep(scores);
  assert.ok(kept.length > 0 && kept.length < 60, `kept ${kept.length} of 1000`);
});

test('flat distributions are recognized', () => {
  assert.ok(isFlat(scoreStats([0, 0, 0, 0]), 0));
  assert.ok(!isFlat(scoreStats([0, 0, 0, 1]), 1));
});

test('query arithmetic parses +term, -term and quoted phrases', () => {
  assert.deepEqual(parseQuery('beach +sunset -people'), {
    base: 'beach',
    plus: ['sunset'],
    minus: ['people'],
  });
  assert.deepEqual(parseQuery('a t-shirt -"red car" +"blue sky"'), {
    base: 'a t-shirt',
    plus: ['blue sky'],
    minus: ['red car'],
  });
  assert.deepEqual(parseQuery('+red'), { base: '', plus: ['red'], minus: [] });
});

test('combine adds normalized parts and renormalizes', () => {
  const v = combine([
    { vector: new Float32Array([10, 0]), weight: 1 },
    { vector: new Float32Array([0, 0.1]), weight: 1 },
  ]);
  assert.ok(Math.abs(v[0]! - Math.SQRT1_2) < 1e-6 && Math.abs(v[1]! - Math.SQRT1_2) < 1e-6);
  const back = combine([
    { vector: new Float32Array([1, 1]), weight: 1 },
    { vector: new Float32Array([0, 1]), weight: -1 },
  ]);
  assert.ok(back[0]! > 0.9);
});
