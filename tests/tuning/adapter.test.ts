import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  adapterFromJson,
  adapterToJson,
  applyAdapter,
  identityAdapter,
  withAlpha,
} from '../../main/adapters/adapter.js';

const v = (...xs: number[]) => Float32Array.from(xs);

test('the identity adapter only normalizes', () => {
  const out = applyAdapter(identityAdapter('m', 2), [v(3, 4), v(0, 2)], 'image');
  assert.deepEqual(out, [v(0.6, 0.8), v(0, 1)]);
});

test('alpha interpolates between zero-shot (0) and fine-tuned (1) weights', () => {
  // W swaps the two axes: fine-tuned x = (1, 0) becomes normalize((1, 0) + (0, 1)).
  const a = { ...identityAdapter('m', 2), text: v(0, 1, 1, 0) };
  const x = [v(1, 0)];
  assert.deepEqual(applyAdapter(withAlpha(a, 0), x, 'text'), [v(1, 0)]);
  const [full] = applyAdapter(a, x, 'text');
  assert.ok(Math.abs(full![0]! - Math.SQRT1_2) < 1e-6 && Math.abs(full![1]! - Math.SQRT1_2) < 1e-6);
  const [half] = applyAdapter(withAlpha(a, 0.5), x, 'text');
  const n = Math.hypot(1, 0.5);
  assert.ok(Math.abs(half![0]! - 1 / n) < 1e-6 && Math.abs(half![1]! - 0.5 / n) < 1e-6);
  // The image side has no matrix: untouched.
  assert.deepEqual(applyAdapter(a, x, 'image'), [v(1, 0)]);
  assert.throws(() => withAlpha(a, 1.5), /alpha/);
});

test('an adapter survives JSON exactly; a broken or foreign file is refused with a reason', () => {
  const a = {
    ...identityAdapter('ViT-B-32__openai', 3),
    image: v(0.1, -2e-8, 3, 4, 5, 6, 7, 8, Math.PI),
    alpha: 0.7,
  };
  const back = adapterFromJson(JSON.parse(JSON.stringify(adapterToJson(a))));
  assert.deepEqual(back, a);
  assert.throws(() => adapterFromJson({ format: 'other' }), /not a Lookbook adapter/);
  const j = adapterToJson(a);
  assert.throws(() => adapterFromJson({ ...j, formatVersion: 99 }), /format version 99/);
  assert.throws(() => adapterFromJson({ ...j, dim: 4 }), /image matrix has 9 values, expected 16/);
});

test('a vector of the wrong dimension is refused', () => {
  assert.throws(
    () => applyAdapter(identityAdapter('m', 3), [v(1, 2)], 'image'),
    /3-dimensional.*2 dimensions/,
  );
});
