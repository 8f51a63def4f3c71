// Test support, not shipped: the finite-difference check that proves contrastive-loss.ts's hand-written
// gradients (gradient-check.test.ts).
import { contrastiveLoss } from '../../main/tuning/contrastive-loss.js';
import type { AdapterParams } from '../../main/tuning/contrastive-loss.js';
import { createRng, normalizeRows } from '../../main/adapters/linalg.js';

export interface GradientCheckResult {
  /** Largest relative error between the analytic and the central-difference gradient, per parameter. */
  image: number;
  text: number;
  logScale: number;
  loss: number;
}

/**
 * Compares contrastiveLoss's analytic gradients with central finite differences, in float64, on a random
 * small problem (every entry of both adapters and the temperature). With `duplicates`, two pairs share a
 * photo and two share a caption, so the multi-positive targets are checked too.
 */
export function checkContrastiveGradients(
  options: { b?: number; d?: number; seed?: number; eps?: number; duplicates?: boolean } = {},
): GradientCheckResult {
  const { b = 5, d = 6, seed = 7, eps = 1e-6, duplicates = true } = options;
  const rng = createRng(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(rng() + 1e-12)) * Math.cos(2 * Math.PI * rng());
  const xImage = Float64Array.from({ length: b * d }, gauss);
  const xText = Float64Array.from({ length: b * d }, gauss);
  let positives: Uint8Array | null = null;
  if (duplicates && b >= 4) {
    xImage.copyWithin(d, 0, d); // pair 1 shows the same photo as pair 0
    xText.copyWithin(3 * d, 2 * d, 3 * d); // pair 3 has the same caption as pair 2
    positives = new Uint8Array(b * b);
    for (let i = 0; i < b; i++) positives[i * b + i] = 1;
    for (const [p, q] of [
      [0, 1],
      [2, 3],
    ] as const) {
      positives[p * b + q] = 1;
      positives[q * b + p] = 1;
    }
  }
  normalizeRows(xImage, b, d);
  normalizeRows(xText, b, d);
  const params: AdapterParams<Float64Array> = {
    wImage: Float64Array.from({ length: d * d }, () => 0.3 * gauss()),
    wText: Float64Array.from({ length: d * d }, () => 0.3 * gauss()),
    logScale: Math.log(5),
  };
  const analytic = contrastiveLoss(params, xImage, xText, b, d, positives);
  const lossAt = () => contrastiveLoss(params, xImage, xText, b, d, positives, false).loss;
  const relErr = (a: number, n: number) => Math.abs(a - n) / Math.max(1e-7, Math.abs(a) + Math.abs(n));

  const checkMatrix = (w: Float64Array, grad: Float64Array) => {
    let worst = 0;
    for (let i = 0; i < w.length; i++) {
      const keep = w[i]!;
      w[i] = keep + eps;
      const up = lossAt();
      w[i] = keep - eps;
      const down = lossAt();
      w[i] = keep;
      worst = Math.max(worst, relErr(grad[i]!, (up - down) / (2 * eps)));
    }
    return worst;
  };
  const image = checkMatrix(params.wImage!, analytic.gradImage!);
  const text = checkMatrix(params.wText!, analytic.gradText!);
  const keep = params.logScale;
  params.logScale = keep + eps;
  const up = lossAt();
  params.logScale = keep - eps;
  const down = lossAt();
  params.logScale = keep;
  const logScale = relErr(analytic.gradLogScale, (up - down) / (2 * eps));
  return { image, text, logScale, loss: analytic.loss };
}
