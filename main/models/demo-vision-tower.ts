// The demo model's vision tower: every 4x4 block of pixels is scored against colour prototypes (nearest
// prototype in a luma/chroma space, as a 1x1 convolution), a softmax over prototypes turns the scores
// into a soft assignment, and the mean over the image gives the colour proportions; colour k then maps
// onto its own embedding direction, so the dominant colour dominates the embedding.
import { DEMO_COLOURS, DEMO_EMBED_DIM, type DemoColour } from './demo-colours.js';
import { createGraph } from './onnx-graph.js';

// CLIP's input normalization (per-channel mean and standard deviation), the same in every CLIP export.
const CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073] as const;
const CLIP_STD = [0.26862954, 0.26130258, 0.27577711] as const;
export const DEMO_IMAGE_SIZE = 224;

// Several prototypes per colour (sRGB hex), so dark, light and saturated shades each land on their colour
// (navy is blue, not black; maroon is red, not brown). Chosen against a set of named web colours.
const PROTOTYPES: Record<DemoColour, string[]> = {
  red: ['e60000', 'ff0000', 'b40000', '8b0000', 'd2143c', 'c83232'],
  orange: ['ff8c00', 'ffa500', 'f07814', 'ff7828', 'e6781e'],
  yellow: ['ffff00', 'ffd700', 'f0dc3c', 'ffff8c', 'ffeb64'],
  green: ['00c800', '00ff00', '008000', '005000', '32cd32', '90ee90', '228b22', '6b8e23', '2e8b57', '9acd32'],
  blue: ['0000ff', '1e64dc', '000080', '4169e1', '87ceeb', '00bfff', '1e90ff', '4682b4', '000050', 'add8e6'],
  purple: ['800080', '8e44ad', '9932cc', '6a0dad', '9370db', '4b0082', 'c800c8', 'dda0dd', 'b57edc'],
  pink: ['ffc0cb', 'ff69b4', 'ff1493', 'ffb6c1', 'db7093', 'ff88aa'],
  brown: ['8b4513', 'a0522d', '654321', '7b3f00', '964b00', 'd2b48c', 'c08040', '503214', '6f4e37'],
  black: ['000000', '141414'],
  white: ['ffffff', 'f0f0ec', 'fffff0'],
  gray: ['808080', '505050', 'a9a9a9', 'c8c8c8', '708090'],
};
/** Chroma weight of the matching space: hue differences count more than brightness differences. */
const CHROMA_WEIGHT = 2;
/** Side of the pixel blocks averaged before scoring (a mean of normalized pixels is the normalized mean). */
const POOL = 4;
/** Softmax sharpness over squared distances: near-hard assignment of each pixel to one prototype. */
const SHARPNESS = 400;

/** The HF CLIP image processor settings every CLIP export ships (224 px, bicubic, CLIP mean/std). */
export function clipPreprocessorConfig(size = DEMO_IMAGE_SIZE): object {
  return {
    crop_size: { height: size, width: size },
    do_center_crop: true,
    do_convert_rgb: true,
    do_normalize: true,
    do_rescale: true,
    do_resize: true,
    image_mean: [...CLIP_MEAN],
    image_std: [...CLIP_STD],
    image_processor_type: 'CLIPImageProcessor',
    resample: 3,
    rescale_factor: 1 / 255,
    size: { shortest_edge: size },
  };
}

/** Every prototype with its colour's index and its sRGB value in 0..1. */
function prototypeList(): { colour: number; rgb: [number, number, number] }[] {
  return DEMO_COLOURS.flatMap((colour, k) =>
    PROTOTYPES[colour].map((hex) => ({
      colour: k,
      rgb: [0, 2, 4].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255) as [number, number, number],
    })),
  );
}

// Luma and two opponent chroma axes (red-green, yellow-blue), chroma weighted: distances in this space
// separate hues better than plain RGB distances, which are dominated by brightness.
const MATCH_SPACE = [
  [0.299, 0.587, 0.114],
  [CHROMA_WEIGHT / 2, -CHROMA_WEIGHT / 2, 0],
  [CHROMA_WEIGHT / 3, CHROMA_WEIGHT / 3, (-2 * CHROMA_WEIGHT) / 3],
] as const;

/** The vision tower; it folds CLIP's normalization back out, so it reads what clipPreprocessorConfig feeds it. */
export function demoVisionModel(): Buffer {
  const protos = prototypeList();
  const k = protos.length;
  // Metric M = AᵀA of the matching space. score_k(x) = s·(2xᵀMc_k − c_kᵀMc_k) = −s·|A(x−c_k)|² + (terms
  // equal for every k), so the softmax over k is a soft nearest-prototype assignment. x is recovered from
  // the normalized input (x = x̂·std + mean), folded into the 1x1 convolution's weights and bias.
  const metric = [0, 1, 2].map((i) =>
    [0, 1, 2].map((j) => MATCH_SPACE.reduce((sum, row) => sum + row[i]! * row[j]!, 0)),
  );
  const weight = new Float32Array(k * 3);
  const bias = new Float32Array(k);
  protos.forEach(({ rgb: c }, p) => {
    const mc = [0, 1, 2].map((i) => metric[i]!.reduce((sum, m, j) => sum + m * c[j]!, 0));
    const cMc = mc.reduce((sum, v, i) => sum + v * c[i]!, 0);
    let b = -SHARPNESS * cMc;
    for (let ch = 0; ch < 3; ch++) {
      const w = 2 * SHARPNESS * mc[ch]!;
      weight[p * 3 + ch] = w * CLIP_STD[ch]!;
      b += w * CLIP_MEAN[ch]!;
    }
    bias[p] = b;
  });
  const projection = new Float32Array(k * DEMO_EMBED_DIM);
  protos.forEach(({ colour }, p) => (projection[p * DEMO_EMBED_DIM + colour] = 1));

  const g = createGraph({
    name: 'lookbook_demo_vision',
    docString: 'Lookbook demo vision tower: per-pixel colour prototypes, softmax, mean colour proportions.',
  });
  const pixels = g.input('pixel_values', 'float32', ['batch', 3, DEMO_IMAGE_SIZE, DEMO_IMAGE_SIZE]);
  const w = g.initializer('prototype_weight', 'float32', [k, 3, 1, 1], weight);
  const b = g.initializer('prototype_bias', 'float32', [k], bias);
  // Colour proportions do not need every pixel: 4x4 blocks (56x56 cells) cost 16 times less to score.
  const cells = g.op('AveragePool', [pixels], { kernel_shape: [POOL, POOL], strides: [POOL, POOL] });
  const scores = g.op('Conv', [cells, w, b], { kernel_shape: [1, 1] }); // [B, K, 56, 56]
  const assignment = g.op('Softmax', [scores], { axis: 1 });
  const proportions = g.op('ReduceMean', [assignment], { axes: [2, 3], keepdims: 0 }); // [B, K]
  const p = g.initializer('colour_projection', 'float32', [k, DEMO_EMBED_DIM], projection);
  g.op('MatMul', [proportions, p], {}, 'image_embeds');
  g.output('image_embeds', 'float32', ['batch', DEMO_EMBED_DIM]);
  return g.toBuffer();
}
