// Random-weight CLIP towers with the real architecture and layer sizes, in the Hugging Face/Optimum layout.
// Benchmarks need a model that costs what a real one costs (ViT-B/32: ~88M vision and ~63M text
// parameters) without downloading one; tests need a small one that exercises the same graph. The graphs
// follow Hugging Face's CLIP: patch convolution, class token, position embeddings, pre-LayerNorm
// transformer blocks with QuickGELU, final LayerNorm, projection; the text tower uses a causal mask plus
// the attention mask and pools at the end-of-text token (the argmax of the ids, as CLIP does).
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createGraph } from '../../main/models/onnx-graph.js';
import type { GraphBuilder } from '../../main/models/onnx-graph.js';
import {
  clipPreprocessorConfig,
  demoTokenizerConfig,
  demoTokenizerJson,
  demoVocabulary,
  seededRandom,
} from '../../main/models/demo-model.js';

export interface TransformerSize {
  width: number;
  layers: number;
  heads: number;
  mlp: number;
}

export interface ClipPreset {
  name: string;
  vision: TransformerSize & { imageSize: number; patchSize: number };
  text: TransformerSize & { vocabSize: number; contextLength: number };
  projectionDim: number;
}

export const CLIP_PRESETS = {
  'vit-b-32': {
    name: 'Random CLIP ViT-B/32 (benchmarks only)',
    vision: { imageSize: 224, patchSize: 32, width: 768, layers: 12, heads: 12, mlp: 3072 },
    text: { vocabSize: 49408, contextLength: 77, width: 512, layers: 12, heads: 8, mlp: 2048 },
    projectionDim: 512,
  },
  tiny: {
    name: 'Random CLIP tiny (tests only)',
    vision: { imageSize: 224, patchSize: 32, width: 64, layers: 2, heads: 2, mlp: 256 },
    text: {
      vocabSize: demoVocabulary().tokens.length,
      contextLength: 77,
      width: 64,
      layers: 2,
      heads: 2,
      mlp: 256,
    },
    projectionDim: 64,
  },
} satisfies Record<string, ClipPreset>;
export type ClipPresetName = keyof typeof CLIP_PRESETS;

const LN_EPS = 1e-5;
const WEIGHT_STD = 0.02;
/** Added to masked attention scores; large but finite, so a fully masked row cannot produce NaN. */
const MASKED = -1e9;

/** Seeded weights, generated only when the graph is written (see onnx-graph's lazy initializers). */
function weights(g: GraphBuilder, seed: string) {
  const random = (name: string, dims: number[], std = WEIGHT_STD) =>
    g.initializer(name, 'float32', dims, () => {
      const rng = seededRandom(`${seed}:${name}`);
      const data = new Float32Array(dims.reduce((a, b) => a * b, 1));
      for (let i = 0; i < data.length; i++) data[i] = rng.gaussian() * std;
      return data;
    });
  const filled = (name: string, dims: number[], value: number) =>
    g.initializer(name, 'float32', dims, () => new Float32Array(dims.reduce((a, b) => a * b, 1)).fill(value));
  return { random, filled };
}

function layerNorm(g: GraphBuilder, w: ReturnType<typeof weights>, x: string, name: string, width: number) {
  const scale = w.filled(`${name}.weight`, [width], 1);
  const bias = w.filled(`${name}.bias`, [width], 0);
  return g.op('LayerNormalization', [x, scale, bias], { axis: -1, epsilon: LN_EPS });
}

function linear(
  g: GraphBuilder,
  w: ReturnType<typeof weights>,
  x: string,
  name: string,
  inDim: number,
  outDim: number,
  bias = true,
) {
  const y = g.op('MatMul', [x, w.random(`${name}.weight`, [inDim, outDim])]);
  return bias ? g.op('Add', [y, w.filled(`${name}.bias`, [outDim], 0)]) : y;
}

/** One pre-LayerNorm CLIP encoder block on x [N, T, W]; `mask` is added to the attention scores. */
function encoderLayer(
  g: GraphBuilder,
  w: ReturnType<typeof weights>,
  x: string,
  name: string,
  size: TransformerSize,
  mask?: string,
): string {
  const { width, heads, mlp } = size;
  const headDim = width / heads;
  const y = layerNorm(g, w, x, `${name}.layer_norm1`, width);
  const splitHeads = (t: string, perm: number[]) =>
    g.op('Transpose', [g.op('Reshape', [t, g.constInt64([0, 0, heads, headDim])])], { perm });
  const q = splitHeads(
    g.op('Mul', [
      linear(g, w, y, `${name}.self_attn.q_proj`, width, width),
      g.constFloat([headDim ** -0.5], []),
    ]),
    [0, 2, 1, 3],
  ); // [N, H, T, d]
  const k = splitHeads(linear(g, w, y, `${name}.self_attn.k_proj`, width, width), [0, 2, 3, 1]); // [N, H, d, T]
  const v = splitHeads(linear(g, w, y, `${name}.self_attn.v_proj`, width, width), [0, 2, 1, 3]);
  let scores = g.op('MatMul', [q, k]); // [N, H, T, T]
  if (mask) scores = g.op('Add', [scores, mask]);
  const attn = g.op('MatMul', [g.op('Softmax', [scores], { axis: -1 }), v]); // [N, H, T, d]
  const merged = g.op('Reshape', [
    g.op('Transpose', [attn], { perm: [0, 2, 1, 3] }),
    g.constInt64([0, 0, width]),
  ]);
  const h = g.op('Add', [x, linear(g, w, merged, `${name}.self_attn.out_proj`, width, width)]);

  const z = layerNorm(g, w, h, `${name}.layer_norm2`, width);
  const up = linear(g, w, z, `${name}.mlp.fc1`, width, mlp);
  // QuickGELU, as OpenAI's CLIP: x * sigmoid(1.702 x).
  const act = g.op('Mul', [up, g.op('Sigmoid', [g.op('Mul', [up, g.constFloat([1.702], [])])])]);
  return g.op('Add', [h, linear(g, w, act, `${name}.mlp.fc2`, mlp, width)]);
}

export function buildVisionTower(preset: ClipPreset, seed = 'lookbook-random-clip'): GraphBuilder {
  const { imageSize, patchSize, width, layers } = preset.vision;
  const grid = imageSize / patchSize;
  if (!Number.isInteger(grid))
    throw new Error(`image size ${imageSize} is not a multiple of patch ${patchSize}`);
  const g = createGraph({ name: 'clip_vision_model', docString: `${preset.name}: random weights` });
  const w = weights(g, `${seed}:vision`);
  const pixels = g.input('pixel_values', 'float32', ['batch', 3, imageSize, imageSize]);

  const patchWeight = w.random('embeddings.patch_embedding.weight', [width, 3, patchSize, patchSize]);
  const conv = g.op('Conv', [pixels, patchWeight], {
    kernel_shape: [patchSize, patchSize],
    strides: [patchSize, patchSize],
  }); // [N, W, grid, grid]
  const patches = g.op('Transpose', [g.op('Reshape', [conv, g.constInt64([0, width, -1])])], {
    perm: [0, 2, 1],
  });
  // The class token, broadcast to the batch.
  const batch = g.op('Shape', [pixels], { start: 0, end: 1 });
  const classShape = g.op('Concat', [batch, g.constInt64([1, width])], { axis: 0 });
  const classToken = g.op('Expand', [w.random('embeddings.class_embedding', [1, 1, width]), classShape]);
  const tokens = g.op('Concat', [classToken, patches], { axis: 1 }); // [N, 1 + grid², W]
  const positions = w.random('embeddings.position_embedding.weight', [1 + grid * grid, width]);
  let x = layerNorm(g, w, g.op('Add', [tokens, positions]), 'pre_layrnorm', width);
  for (let i = 0; i < layers; i++) x = encoderLayer(g, w, x, `encoder.layers.${i}`, preset.vision);
  const pooled = layerNorm(
    g,
    w,
    g.op('Gather', [x, g.constInt64([0], [])], { axis: 1 }),
    'post_layernorm',
    width,
  ); // [N, W]
  const embeds = g.op(
    'MatMul',
    [pooled, w.random('visual_projection.weight', [width, preset.projectionDim])],
    {},
    'image_embeds',
  );
  g.output(embeds, 'float32', ['batch', preset.projectionDim]);
  return g;
}

export function buildTextTower(preset: ClipPreset, seed = 'lookbook-random-clip'): GraphBuilder {
  const { vocabSize, contextLength, width, layers } = preset.text;
  const g = createGraph({ name: 'clip_text_model', docString: `${preset.name}: random weights` });
  const w = weights(g, `${seed}:text`);
  const ids = g.input('input_ids', 'int64', ['batch', 'sequence']);
  const attentionMask = g.input('attention_mask', 'int64', ['batch', 'sequence']);

  const tokens = g.op('Gather', [w.random('embeddings.token_embedding.weight', [vocabSize, width]), ids], {
    axis: 0,
  }); // [N, S, W]
  const seqLen = g.op('Shape', [ids], { start: 1, end: 2 }); // [1]
  const zero = g.constInt64([0]);
  const positions = g.op('Slice', [
    w.random('embeddings.position_embedding.weight', [contextLength, width], 0.01),
    zero,
    seqLen,
    zero,
  ]); // [S, W]
  let x = g.op('Add', [tokens, positions]);

  // Causal mask [S, S] cut from a constant [context, context], plus padding from the attention mask.
  const causalData = new Float32Array(contextLength * contextLength);
  for (let i = 0; i < contextLength; i++)
    for (let j = i + 1; j < contextLength; j++) causalData[i * contextLength + j] = MASKED;
  const causal = g.op('Slice', [
    g.constFloat(causalData, [contextLength, contextLength]),
    g.constInt64([0, 0]),
    g.op('Concat', [seqLen, seqLen], { axis: 0 }),
    g.constInt64([0, 1]),
  ]);
  const keep = g.op('Cast', [attentionMask], { to: 1 }); // 1 = FLOAT
  const padding = g.op('Mul', [g.op('Sub', [g.constFloat([1], []), keep]), g.constFloat([MASKED], [])]);
  const mask = g.op('Add', [causal, g.op('Unsqueeze', [padding, g.constInt64([1, 2])])]); // [N, 1, S, S]

  for (let i = 0; i < layers; i++) x = encoderLayer(g, w, x, `encoder.layers.${i}`, preset.text, mask);
  x = layerNorm(g, w, x, 'final_layer_norm', width);
  // CLIP pools at the end-of-text token, which has the largest id in its vocabulary.
  const eot = g.op('Unsqueeze', [g.op('ArgMax', [ids], { axis: -1, keepdims: 0 }), g.constInt64([1])]); // [N, 1]
  const pooled = g.op('GatherND', [x, eot], { batch_dims: 1 }); // [N, W]
  const embeds = g.op(
    'MatMul',
    [pooled, w.random('text_projection.weight', [width, preset.projectionDim])],
    {},
    'text_embeds',
  );
  g.output(embeds, 'float32', ['batch', preset.projectionDim]);
  return g;
}

/** Parameter counts of both towers, from the graphs' shapes alone (no weights are generated). */
export function clipParamCounts(preset: ClipPreset): { vision: number; text: number } {
  return { vision: buildVisionTower(preset).paramCount(), text: buildTextTower(preset).paramCount() };
}

/**
 * Multiply-accumulates of the vision tower for one image: patch convolution, per layer the four
 * projections, the two attention products and the MLP, then the projection. FLOPs are twice this.
 */
export function visionMacsPerImage(preset: ClipPreset): number {
  const { imageSize, patchSize, width, layers, mlp } = preset.vision;
  const patches = (imageSize / patchSize) ** 2;
  const t = patches + 1;
  const patchEmbed = patches * width * 3 * patchSize * patchSize;
  const perLayer = 4 * t * width * width + 2 * t * t * width + 2 * t * width * mlp;
  return patchEmbed + layers * perLayer + width * preset.projectionDim;
}

function configJson(preset: ClipPreset, vocab: ReturnType<typeof demoVocabulary>): object {
  const tower = (s: TransformerSize) => ({
    hidden_size: s.width,
    num_hidden_layers: s.layers,
    num_attention_heads: s.heads,
    intermediate_size: s.mlp,
    hidden_act: 'quick_gelu',
    layer_norm_eps: LN_EPS,
    projection_dim: preset.projectionDim,
  });
  return {
    model_type: 'clip',
    architectures: ['CLIPModel'],
    projection_dim: preset.projectionDim,
    logit_scale_init_value: Math.log(100),
    text_config: {
      model_type: 'clip_text_model',
      ...tower(preset.text),
      vocab_size: preset.text.vocabSize,
      max_position_embeddings: preset.text.contextLength,
      bos_token_id: vocab.startId,
      eos_token_id: vocab.endId,
      pad_token_id: vocab.endId,
    },
    vision_config: {
      model_type: 'clip_vision_model',
      ...tower(preset.vision),
      image_size: preset.vision.imageSize,
      patch_size: preset.vision.patchSize,
      num_channels: 3,
    },
    lookbook: { name: preset.name, random: true, logitScale: 100 },
  };
}

export interface RandomClipResult {
  dir: string;
  visionParams: number;
  textParams: number;
  bytes: number;
  visionMacs: number;
}

/**
 * Writes a random-weight CLIP model folder (HF layout) to `out`, replacing what is there. The towers are
 * streamed tensor by tensor, so memory stays near the largest tensor (the token embedding, 100 MB for
 * ViT-B/32) rather than the whole model.
 */
export async function makeRandomClip(options: {
  preset: ClipPresetName | ClipPreset;
  out: string;
  seed?: string;
}): Promise<RandomClipResult> {
  const preset = typeof options.preset === 'string' ? CLIP_PRESETS[options.preset] : options.preset;
  if (!preset)
    throw new Error(`unknown preset ${String(options.preset)}: use ${Object.keys(CLIP_PRESETS).join(', ')}`);
  const target = resolve(options.out);
  // The tokenizer's start and end tokens take the last two ids of the embedding table, as in CLIP, so the
  // text tower's argmax pooling finds the end token.
  const vocab = demoVocabulary({ minVocabSize: preset.text.vocabSize });
  if (vocab.tokens.length !== preset.text.vocabSize) {
    throw new Error(
      `the tokenizer has ${vocab.tokens.length} tokens, more than the preset's ${preset.text.vocabSize}`,
    );
  }
  const vision = buildVisionTower(preset, options.seed);
  const text = buildTextTower(preset, options.seed);
  await mkdir(dirname(target), { recursive: true });
  // A dot-folder beside the target: model listings skip work in progress.
  const temp = join(
    dirname(target),
    `.${basename(target)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`,
  );
  try {
    await mkdir(join(temp, 'onnx'), { recursive: true });
    const json = (value: object) => `${JSON.stringify(value, null, 2)}\n`;
    await writeFile(join(temp, 'config.json'), json(configJson(preset, vocab)));
    await writeFile(join(temp, 'tokenizer.json'), json(demoTokenizerJson(vocab)));
    await writeFile(
      join(temp, 'tokenizer_config.json'),
      json(demoTokenizerConfig(preset.text.contextLength)),
    );
    await writeFile(
      join(temp, 'preprocessor_config.json'),
      json(clipPreprocessorConfig(preset.vision.imageSize)),
    );
    await vision.writeFile(join(temp, 'onnx', 'vision_model.onnx'));
    await text.writeFile(join(temp, 'onnx', 'text_model.onnx'));
    await rm(target, { recursive: true, force: true });
    await rename(temp, target);
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
  return {
    dir: target,
    visionParams: vision.paramCount(),
    textParams: text.paramCount(),
    bytes: vision.byteLength() + text.byteLength(),
    visionMacs: visionMacsPerImage(preset),
  };
}
