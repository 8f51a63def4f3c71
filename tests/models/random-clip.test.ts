// Random-weight CLIP towers: the tiny preset through real ONNX Runtime sessions, checked against a plain
// TypeScript forward pass of CLIP's architecture on the same weights; the ViT-B/32 preset's size checked
// without writing its 600 MB of weights.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import { Tokenizer } from '@huggingface/tokenizers';
import {
  CLIP_PRESETS,
  buildTextTower,
  clipParamCounts,
  makeRandomClip,
  visionMacsPerImage,
} from '../../models/tools/random-clip.js';
import type { ClipPreset, TransformerSize } from '../../models/tools/random-clip.js';

type Weights = Map<string, Float32Array>;

async function readWeights(path: string): Promise<Weights> {
  const model = onnxProto.onnx.ModelProto.decode(await readFile(path));
  const out: Weights = new Map();
  for (const t of model.graph?.initializer ?? []) {
    if (t.dataType !== onnxProto.onnx.TensorProto.DataType.FLOAT || !t.rawData) continue;
    const bytes = Uint8Array.from(t.rawData);
    out.set(t.name ?? '', new Float32Array(bytes.buffer, 0, bytes.length / 4));
  }
  return out;
}

// --- A reference forward pass of CLIP, written from the architecture, on rows of plain arrays. ---
type Rows = Float32Array[];
const get = (w: Weights, name: string) => {
  const t = w.get(name);
  if (!t) throw new Error(`missing weight ${name}`);
  return t;
};
function linear(x: Rows, w: Weights, name: string, inDim: number, outDim: number, bias = true): Rows {
  const m = get(w, `${name}.weight`);
  const b = bias ? get(w, `${name}.bias`) : undefined;
  return x.map((row) => {
    const out = new Float32Array(outDim);
    for (let o = 0; o < outDim; o++) {
      let s = b ? b[o]! : 0;
      for (let i = 0; i < inDim; i++) s += row[i]! * m[i * outDim + o]!;
      out[o] = s;
    }
    return out;
  });
}
function layerNorm(x: Rows, w: Weights, name: string): Rows {
  const g = get(w, `${name}.weight`);
  const b = get(w, `${name}.bias`);
  return x.map((row) => {
    const mean = row.reduce((s, v) => s + v, 0) / row.length;
    const variance = row.reduce((s, v) => s + (v - mean) ** 2, 0) / row.length;
    return row.map((v, i) => ((v - mean) / Math.sqrt(variance + 1e-5)) * g[i]! + b[i]!);
  });
}
const add = (a: Rows, b: Rows) => a.map((row, t) => row.map((v, i) => v + b[t]![i]!));
function encoderLayer(x: Rows, w: Weights, name: string, size: TransformerSize, causal: boolean): Rows {
  const { width, heads, mlp } = size;
  const d = width / heads;
  const y = layerNorm(x, w, `${name}.layer_norm1`);
  const q = linear(y, w, `${name}.self_attn.q_proj`, width, width);
  const k = linear(y, w, `${name}.self_attn.k_proj`, width, width);
  const v = linear(y, w, `${name}.self_attn.v_proj`, width, width);
  const attn: Rows = x.map(() => new Float32Array(width));
  for (let h = 0; h < heads; h++) {
    for (let t = 0; t < x.length; t++) {
      const visible = causal ? t + 1 : x.length;
      const scores = Array.from({ length: visible }, (_, s) => {
        let dot = 0;
        for (let i = h * d; i < (h + 1) * d; i++) dot += q[t]![i]! * k[s]![i]!;
        return dot / Math.sqrt(d);
      });
      const max = Math.max(...scores);
      const e = scores.map((s) => Math.exp(s - max));
      const z = e.reduce((a, b) => a + b, 0);
      for (let s = 0; s < visible; s++) {
        for (let i = h * d; i < (h + 1) * d; i++) attn[t]![i]! += (e[s]! / z) * v[s]![i]!;
      }
    }
  }
  const h1 = add(x, linear(attn, w, `${name}.self_attn.out_proj`, width, width));
  const up = linear(layerNorm(h1, w, `${name}.layer_norm2`), w, `${name}.mlp.fc1`, width, mlp);
  const act = up.map((row) => row.map((u) => u / (1 + Math.exp(-1.702 * u))));
  return add(h1, linear(act, w, `${name}.mlp.fc2`, mlp, width));
}
function referenceImage(pixels: Float32Array, w: Weights, p: ClipPreset): Float32Array {
  const { imageSize: size, patchSize: ps, width } = p.vision;
  const grid = size / ps;
  const conv = get(w, 'embeddings.patch_embedding.weight');
  const tokens: Rows = [get(w, 'embeddings.class_embedding').slice()];
  for (let gy = 0; gy < grid; gy++) {
    for (let gx = 0; gx < grid; gx++) {
      const row = new Float32Array(width);
      for (let o = 0; o < width; o++) {
        let s = 0;
        for (let c = 0; c < 3; c++)
          for (let ky = 0; ky < ps; ky++)
            for (let kx = 0; kx < ps; kx++)
              s +=
                conv[((o * 3 + c) * ps + ky) * ps + kx]! *
                pixels[(c * size + gy * ps + ky) * size + gx * ps + kx]!;
        row[o] = s;
      }
      tokens.push(row);
    }
  }
  const pos = get(w, 'embeddings.position_embedding.weight');
  let x = layerNorm(
    tokens.map((row, t) => row.map((v, i) => v + pos[t * width + i]!)),
    w,
    'pre_layrnorm',
  );
  for (let l = 0; l < p.vision.layers; l++) x = encoderLayer(x, w, `encoder.layers.${l}`, p.vision, false);
  const pooled = layerNorm([x[0]!], w, 'post_layernorm');
  return linear(pooled, w, 'visual_projection', width, p.projectionDim, false)[0]!;
}
function referenceText(ids: number[], w: Weights, p: ClipPreset): Float32Array {
  const { width } = p.text;
  const table = get(w, 'embeddings.token_embedding.weight');
  const pos = get(w, 'embeddings.position_embedding.weight');
  let x: Rows = ids.map((id, t) => {
    const row = new Float32Array(width);
    for (let i = 0; i < width; i++) row[i] = table[id * width + i]! + pos[t * width + i]!;
    return row;
  });
  for (let l = 0; l < p.text.layers; l++) x = encoderLayer(x, w, `encoder.layers.${l}`, p.text, true);
  x = layerNorm(x, w, 'final_layer_norm');
  const eot = ids.indexOf(Math.max(...ids));
  return linear([x[eot]!], w, 'text_projection', width, p.projectionDim, false)[0]!;
}

function assertClose(actual: Float32Array, expected: Float32Array, what: string) {
  assert.equal(actual.length, expected.length, `${what}: length`);
  const scale = Math.max(...expected.map(Math.abs));
  const worst = Math.max(...actual.map((v, i) => Math.abs(v - expected[i]!)));
  assert.ok(worst <= 1e-4 * scale + 1e-6, `${what}: differs from the reference by ${worst} (scale ${scale})`);
}

describe('random-weight CLIP (tiny preset)', () => {
  const preset = CLIP_PRESETS.tiny;
  let dir: string;
  let text: ort.InferenceSession;
  let vision: ort.InferenceSession;
  let textWeights: Weights;
  let visionWeights: Weights;
  let tokenizer: Tokenizer;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lookbook-random-clip-'));
    await makeRandomClip({ preset: 'tiny', out: join(dir, 'tiny') });
    const onnxDir = join(dir, 'tiny', 'onnx');
    text = await ort.InferenceSession.create(join(onnxDir, 'text_model.onnx'));
    vision = await ort.InferenceSession.create(join(onnxDir, 'vision_model.onnx'));
    textWeights = await readWeights(join(onnxDir, 'text_model.onnx'));
    visionWeights = await readWeights(join(onnxDir, 'vision_model.onnx'));
    tokenizer = new Tokenizer(JSON.parse(await readFile(join(dir, 'tiny', 'tokenizer.json'), 'utf8')), {});
  });
  after(async () => {
    await text?.release();
    await vision?.release();
    await rm(dir, { recursive: true, force: true });
  });

  it('declares the Hugging Face export interface', () => {
    assert.deepEqual(text.inputNames, ['input_ids', 'attention_mask']);
    assert.deepEqual(text.outputNames, ['text_embeds']);
    assert.deepEqual(vision.inputNames, ['pixel_values']);
    assert.deepEqual(vision.outputNames, ['image_embeds']);
  });

  it('embeds a batch of images like a reference CLIP forward pass', async () => {
    const n = 2;
    const pixels = Float32Array.from({ length: n * 3 * 224 * 224 }, (_, i) => Math.sin(i * 0.37) * 1.5);
    const out = await vision.run({ pixel_values: new ort.Tensor('float32', pixels, [n, 3, 224, 224]) });
    const embeds = out.image_embeds!;
    assert.deepEqual(embeds.dims, [n, preset.projectionDim]);
    const data = embeds.data as Float32Array;
    const per = 3 * 224 * 224;
    for (let i = 0; i < n; i++) {
      const expected = referenceImage(pixels.subarray(i * per, (i + 1) * per), visionWeights, preset);
      assertClose(data.slice(i * 64, (i + 1) * 64), expected, `image ${i}`);
    }
  });

  it('embeds padded texts like a reference CLIP forward pass, pooling at the end token', async () => {
    const texts = ['a photo of a red car', 'blorf'];
    const rows = texts.map((t) => tokenizer.encode(t).ids);
    const padId = rows[0]!.at(-1)!; // CLIP pads with the end token
    const length = 12;
    const ids = rows.flatMap((r) => [...r, ...Array<number>(length - r.length).fill(padId)]);
    const mask = rows.flatMap((r) => [...r.map(() => 1), ...Array<number>(length - r.length).fill(0)]);
    const out = await text.run({
      input_ids: new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), [rows.length, length]),
      attention_mask: new ort.Tensor('int64', BigInt64Array.from(mask, BigInt), [rows.length, length]),
    });
    assert.deepEqual(out.text_embeds!.dims, [2, preset.projectionDim]);
    const data = out.text_embeds!.data as Float32Array;
    rows.forEach((r, i) =>
      assertClose(data.slice(i * 64, (i + 1) * 64), referenceText(r, textWeights, preset), `"${texts[i]}"`),
    );
    assert.ok(Math.abs(data[0]! - data[64]!) > 1e-6, 'different texts embed differently');
  });

  it('reports the real ViT-B/32 sizes without generating its weights', () => {
    const counts = clipParamCounts(CLIP_PRESETS['vit-b-32']);
    // Hugging Face's CLIPVisionModelWithProjection / CLIPTextModelWithProjection for openai/clip-vit-base-patch32.
    assert.equal(counts.vision, 87_849_216);
    assert.equal(counts.text, 63_428_096);
    const gflops = (2 * visionMacsPerImage(CLIP_PRESETS['vit-b-32'])) / 1e9;
    assert.ok(gflops > 8.7 && gflops < 8.9, `ViT-B/32 costs ${gflops} GFLOPs per image`);
    // 151 M float32 weights: the serialized size follows from the shapes alone.
    assert.ok(buildTextTower(CLIP_PRESETS['vit-b-32']).byteLength() > 4 * 63_428_096);
  });
});
