import { test } from 'node:test';
import assert from 'node:assert/strict';
import { vectorTransformFromAdapter } from '../../main/adapters/adapter-transform.js';
import { identityAdapter } from '../../main/adapters/adapter.js';
import { seededRandom } from '../../main/models/demo-model.js';

function unit(v: Float32Array): Float32Array {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

test('the folded query ranks stored vectors exactly as the adapted image side does (up to each norm)', () => {
  const d = 32;
  const rnd = (
    (r) => () =>
      r.uniform()
  )(seededRandom(7));
  const base = identityAdapter('m', d);
  const adapter = {
    ...base,
    alpha: 0.7,
    image: Float32Array.from({ length: d * d }, () => (rnd() - 0.5) * 0.4),
    text: null,
  };
  const t = vectorTransformFromAdapter(adapter);
  assert.ok(t.foldQuery && t.image);
  const q = unit(Float32Array.from({ length: d }, () => rnd() - 0.5));
  const folded = t.foldQuery(q);
  for (let k = 0; k < 20; k++) {
    const x = unit(Float32Array.from({ length: d }, () => rnd() - 0.5));
    // x + αWx, unnormalized: the adapted vector times its norm.
    const adapted = t.image(x);
    const wx = new Float32Array(d);
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) wx[i]! += adapter.image[i * d + j]! * x[j]!;
    const norm = Math.hypot(...x.map((xi, i) => xi + adapter.alpha * wx[i]!));
    const exact = adapted.reduce((s, a, i) => s + a * q[i]!, 0) * norm;
    const viaFold = folded.reduce((s, f, i) => s + f * x[i]!, 0);
    assert.ok(Math.abs(exact - viaFold) < 1e-4, `${exact} vs ${viaFold}`);
  }
});
