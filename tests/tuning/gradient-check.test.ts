import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkContrastiveGradients } from './gradient-check.js';
import { contrastiveLoss } from '../../main/tuning/contrastive-loss.js';

// The adapter maths is written by hand, so its gradients are proven against central finite
// differences in float64, for every entry of both adapters and the temperature.
test('InfoNCE gradients match finite differences (W_image, W_text, temperature)', () => {
  for (const seed of [1, 2, 3]) {
    const r = checkContrastiveGradients({ b: 5, d: 6, seed, duplicates: false });
    assert.ok(r.image < 1e-5, `W_image relative error ${r.image}`);
    assert.ok(r.text < 1e-5, `W_text relative error ${r.text}`);
    assert.ok(r.logScale < 1e-5, `temperature relative error ${r.logScale}`);
  }
});

test('gradients also match with shared photos and captions in the batch (multi-positive targets)', () => {
  // Odd sizes exercise the kernels' remainder paths (2×4 blocks plus leftovers).
  const r = checkContrastiveGradients({ b: 7, d: 9, seed: 5, duplicates: true });
  assert.ok(r.image < 1e-5 && r.text < 1e-5 && r.logScale < 1e-5, JSON.stringify(r));
});

test('the loss is what InfoNCE says for a known case', () => {
  // Identity adapters, two orthogonal pairs, logit scale 1: each row is softmax([1, 0]) with the right
  // answer first, so loss = log(1 + e^-1) in both directions.
  const x = Float64Array.from([1, 0, 0, 1]);
  const { loss } = contrastiveLoss({ wImage: null, wText: null, logScale: 0 }, x, x.slice(), 2, 2);
  assert.ok(Math.abs(loss - Math.log(1 + Math.exp(-1))) < 1e-12, `loss ${loss}`);
});
