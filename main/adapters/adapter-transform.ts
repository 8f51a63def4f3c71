import { applyAdapter, type Adapter } from './adapter.js';
import type { VectorTransform } from '../library/types.js';

// The seam between search and fine-tuning: a trained adapter (main/tuning) as the transform search applies
// to query text vectors and to stored image vectors. A side the adapter leaves untouched is omitted, so a
// text-only adapter costs nothing on the image side.

export function vectorTransformFromAdapter(adapter: Adapter): VectorTransform {
  const t: VectorTransform = {};
  if (adapter.text && adapter.alpha !== 0) t.query = (v) => applyAdapter(adapter, [v], 'text')[0]!;
  if (adapter.image && adapter.alpha !== 0) {
    t.image = (v) => applyAdapter(adapter, [v], 'image')[0]!;
    t.images = (vs) => applyAdapter(adapter, vs, 'image');
    const w = adapter.image;
    const { dim: d, alpha } = adapter;
    // The image side is x -> normalize(x + alpha W x), so q·(x + alpha W x) = (q + alpha Wᵀq)·x.
    t.foldQuery = (q) => {
      const out = Float32Array.from(q);
      for (let i = 0; i < d; i++) {
        const qi = alpha * q[i]!;
        if (qi === 0) continue;
        for (let j = 0; j < d; j++) out[j]! += w[i * d + j]! * qi;
      }
      return out;
    };
  }
  return t;
}
