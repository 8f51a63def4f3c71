import { matmulABt, normalizeRows, transpose, zerosLike } from '../adapters/linalg.js';
import type { FloatArray } from '../adapters/linalg.js';

/**
 * The trainable part of an adapter. Each side maps an embedding x to normalize(x + W x); W is d×d,
 * row-major (y_j = x_j + Σ_k W[j,k] x_k) and starts at zero, so the untrained adapter is the identity.
 * A null W is a frozen identity on that side (no gradient is computed for it).
 */
export interface AdapterParams<T extends FloatArray> {
  wImage: T | null;
  wText: T | null;
  /** log of the logit scale (CLIP's learnable temperature): logits = exp(logScale) · cos. */
  logScale: number;
}

export interface LossAndGrad<T extends FloatArray> {
  loss: number;
  gradImage: T | null;
  gradText: T | null;
  gradLogScale: number;
}

/**
 * CLIP's symmetric InfoNCE over one batch of b pairs: cross-entropy over the b×b similarity matrix
 * (rows = texts, columns = images), text→image and image→text averaged.
 *
 * `positives` (b×b, optional) marks pairs that also match besides the diagonal: the same photo with two
 * captions, or two photos with the same caption ("a photo of a dress." from a class folder). Their
 * target is spread evenly over all positives instead of punishing the model for ranking a true match
 * high. Without it the targets are the diagonal, as in CLIP.
 *
 * xImage and xText are the frozen encoders' embeddings (b×d, unit rows); they are never modified.
 */
export function contrastiveLoss<T extends FloatArray>(
  params: AdapterParams<T>,
  xImage: T,
  xText: T,
  b: number,
  d: number,
  positives: Uint8Array | null = null,
  withGrad = true,
): LossAndGrad<T> {
  const img = forwardSide(xImage, params.wImage, b, d);
  const txt = forwardSide(xText, params.wText, b, d);
  const sim = matmulABt(txt.y, img.y, b, b, d);
  const scale = Math.exp(params.logScale);

  // dLogits accumulates (softmax − target) of both directions, scaled by 1/(2b).
  const dLogits = new Float64Array(b * b);
  const row = new Float64Array(b);
  let loss = 0;
  const half = 1 / (2 * b);
  for (let dir = 0; dir < 2; dir++) {
    // dir 0: row r = text r over all images; dir 1: column c = image c over all texts.
    for (let r = 0; r < b; r++) {
      let max = -Infinity;
      for (let c = 0; c < b; c++) {
        const v = scale * (dir === 0 ? sim[r * b + c]! : sim[c * b + r]!);
        row[c] = v;
        if (v > max) max = v;
      }
      let sum = 0;
      for (let c = 0; c < b; c++) sum += Math.exp(row[c]! - max);
      const logSum = max + Math.log(sum);
      let npos = 0;
      if (positives) {
        for (let c = 0; c < b; c++) npos += dir === 0 ? positives[r * b + c]! : positives[c * b + r]!;
      }
      for (let c = 0; c < b; c++) {
        const isPos = positives
          ? dir === 0
            ? positives[r * b + c]!
            : positives[c * b + r]!
          : c === r
            ? 1
            : 0;
        const target = positives ? isPos / npos : isPos;
        if (target > 0) loss -= target * (row[c]! - logSum) * half;
        const g = (Math.exp(row[c]! - logSum) - target) * half;
        if (dir === 0) dLogits[r * b + c]! += g;
        else dLogits[c * b + r]! += g;
      }
    }
  }
  if (!withGrad) return { loss, gradImage: null, gradText: null, gradLogScale: 0 };

  let gradLogScale = 0;
  const dSim = zerosLike(xImage, b * b);
  for (let i = 0; i < b * b; i++) {
    gradLogScale += dLogits[i]! * scale * sim[i]!;
    dSim[i] = dLogits[i]! * scale;
  }
  let gradText: T | null = null;
  let gradImage: T | null = null;
  // dT = dS·I and dI = dSᵀ·T, both through the contiguous A·Bᵀ kernel (transposes are cheap next to it).
  if (params.wText)
    gradText = backwardSide(matmulABt(dSim, transpose(img.y, b, d), b, d, b), txt, xText, b, d);
  if (params.wImage) {
    gradImage = backwardSide(
      matmulABt(transpose(dSim, b, b), transpose(txt.y, b, d), b, d, b),
      img,
      xImage,
      b,
      d,
    );
  }
  return { loss, gradImage, gradText, gradLogScale };
}

interface SideForward<T extends FloatArray> {
  /** The adapted, normalized embeddings (b×d). */
  y: T;
  /** Norms of x + W x before normalizing. */
  norms: Float64Array;
}

function forwardSide<T extends FloatArray>(x: T, w: FloatArray | null, b: number, d: number): SideForward<T> {
  const u = w ? matmulABt(x, w, b, d, d) : zerosLike(x, b * d);
  for (let i = 0; i < b * d; i++) u[i]! += x[i]!;
  const norms = normalizeRows(u, b, d);
  return { y: u, norms };
}

/** From dL/dy (b×d) back through the normalization and the residual map to dL/dW (d×d). */
function backwardSide<T extends FloatArray>(dy: T, fwd: SideForward<T>, x: T, b: number, d: number): T {
  const { y, norms } = fwd;
  for (let i = 0; i < b; i++) {
    const o = i * d;
    let dot = 0;
    for (let j = 0; j < d; j++) dot += y[o + j]! * dy[o + j]!;
    const inv = norms[i]! > 0 ? 1 / norms[i]! : 0;
    for (let j = 0; j < d; j++) dy[o + j] = (dy[o + j]! - y[o + j]! * dot) * inv;
  }
  // dW = dUᵀ X, computed as (dUᵀ)(Xᵀ)ᵀ so the long inner loop runs over contiguous memory.
  return matmulABt(transpose(dy, b, d), transpose(x, b, d), d, d, b);
}
