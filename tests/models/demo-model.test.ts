// The demo model through real ONNX Runtime sessions: photos of each colour, made with sharp, must rank
// above every other photo for that colour's word, and the model must be generated deterministically.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { createClipEngine } from '../../main/engine/clip-engine.js';
import type { ClipEngine } from '../../main/engine/types.js';
import {
  DEMO_COLOURS,
  DEMO_MODEL_VERSION,
  demoModelFiles,
  ensureDemoModel,
} from '../../main/models/demo-model.js';
import type { DemoColour } from '../../main/models/demo-model.js';

// Shades a person would call by the colour's name; mostly not the model's own prototypes.
const SHADES: Record<DemoColour, string[]> = {
  red: ['ff0000', 'dc143c', 'b22222'],
  orange: ['ff8c00', 'e67e22', 'f39c12'],
  yellow: ['ffff00', 'ffd700', 'f1c40f'],
  green: ['228b22', '2ecc71', '006400'],
  blue: ['1e90ff', '000080', '87ceeb'],
  purple: ['800080', '9370db', '663399'],
  pink: ['ff69b4', 'ffc0cb', 'ff1493'],
  brown: ['8b4513', '654321', 'a0522d'],
  black: ['000000', '111111', '1c1c1c'],
  white: ['ffffff', 'f5f5f5', 'fffff0'],
  gray: ['808080', 'a9a9a9', '5a5a5a'],
};
const BACKGROUNDS: [DemoColour, string][] = [
  ['white', 'ffffff'],
  ['black', '000000'],
  ['gray', '808080'],
];

interface Photo {
  name: string;
  colour: DemoColour;
  bytes: Buffer;
}

const rgbOf = (hex: string) => [0, 2, 4].map((i) => parseInt(hex.slice(i, i + 2), 16));

/** A solid photo, a subject on a background (about 70 % of the frame), and a lit, noisy one. */
async function photosOf(colour: DemoColour): Promise<Photo[]> {
  const w = 320;
  const h = 240;
  const out: Photo[] = [];
  for (const [i, hex] of SHADES[colour].entries()) {
    const [r, g, b] = rgbOf(hex) as [number, number, number];
    const solid = await sharp({ create: { width: w, height: h, channels: 3, background: { r, g, b } } })
      .png()
      .toBuffer();
    out.push({ name: `${colour} ${hex} solid`, colour, bytes: solid });

    const backgrounds = BACKGROUNDS.filter(([c]) => c !== colour);
    const [, bgHex] = backgrounds[i % backgrounds.length]!;
    const [br, bg, bb] = rgbOf(bgHex) as [number, number, number];
    const subject = await sharp({ create: { width: 270, height: 200, channels: 3, background: { r, g, b } } })
      .png()
      .toBuffer();
    const framed = await sharp({
      create: { width: w, height: h, channels: 3, background: { r: br, g: bg, b: bb } },
    })
      .composite([{ input: subject, left: 25, top: 20 }])
      .jpeg({ quality: 90 })
      .toBuffer();
    out.push({ name: `${colour} ${hex} on ${bgHex}`, colour, bytes: framed });

    const raw = Buffer.alloc(w * h * 3);
    let seed = 12345 + i;
    const noise = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return (seed / 2147483648 - 0.5) * 12;
    };
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const light = 0.92 + (0.12 * x) / w;
        const o = (y * w + x) * 3;
        raw[o] = Math.max(0, Math.min(255, Math.round(r * light + noise())));
        raw[o + 1] = Math.max(0, Math.min(255, Math.round(g * light + noise())));
        raw[o + 2] = Math.max(0, Math.min(255, Math.round(b * light + noise())));
      }
    }
    const lit = await sharp(raw, { raw: { width: w, height: h, channels: 3 } })
      .jpeg({ quality: 85 })
      .toBuffer();
    out.push({ name: `${colour} ${hex} lit`, colour, bytes: lit });
  }
  return out;
}

const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, v, i) => s + v * b[i]!, 0);

describe('demo model', () => {
  let dir: string;
  let engine: ClipEngine;
  let photos: Photo[];
  let photoEmbeddings: Float32Array[];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lookbook-demo-'));
    const modelDir = await ensureDemoModel(join(dir, 'models', 'demo'));
    engine = await createClipEngine({ model: modelDir, device: 'cpu', threads: 2 });
    photos = (await Promise.all(DEMO_COLOURS.map(photosOf))).flat();
    photoEmbeddings = await engine.embedImages(photos.map((p) => p.bytes));
  });

  after(async () => {
    await engine?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('is reported as the demo model', () => {
    assert.equal(engine.model.isDemo, true);
    assert.equal(engine.model.embedDim, 64);
    assert.equal(engine.model.contextLength, 77);
    assert.equal(engine.model.name, 'Lookbook demo (colours only)');
  });

  for (const colour of DEMO_COLOURS) {
    for (const query of [colour, `a photo of something ${colour}`]) {
      it(`ranks every ${colour} photo above all others for "${query}"`, async () => {
        const [text] = await engine.embedTexts([query]);
        const scored = photos.map((p, i) => ({ p, score: dot(text!, photoEmbeddings[i]!) }));
        const worstMatch = Math.min(...scored.filter((s) => s.p.colour === colour).map((s) => s.score));
        const bestOther = scored
          .filter((s) => s.p.colour !== colour)
          .reduce((best, s) => (s.score > best.score ? s : best));
        assert.ok(
          worstMatch > bestOther.score + 0.05,
          `"${query}": weakest ${colour} photo scores ${worstMatch.toFixed(3)}, ` +
            `but "${bestOther.p.name}" scores ${bestOther.score.toFixed(3)}`,
        );
      });
    }
  }

  it('treats grey as gray and ignores case', async () => {
    const [gray, grey, upper] = await engine.embedTexts(['gray', 'grey', 'GRAY']);
    assert.ok(dot(gray!, grey!) > 0.99);
    assert.ok(dot(gray!, upper!) > 0.999);
  });

  it('gives invented words distinct embeddings that are not colours', async () => {
    const words = ['blorf', 'zintak', 'florb', 'quenzel', 'mipsy'];
    const embeddings = await engine.embedTexts(words);
    const tokenized = words.map((w) => engine.tokenize(w));
    for (let i = 0; i < words.length; i++) {
      assert.ok(tokenized[i]!.length > 2, `"${words[i]}" tokenizes to nothing but start and end`);
      for (let j = i + 1; j < words.length; j++) {
        assert.ok(
          dot(embeddings[i]!, embeddings[j]!) < 0.9,
          `"${words[i]}" and "${words[j]}" embed almost identically`,
        );
      }
    }
  });

  it('generates identical bytes every time and keeps a current model', async () => {
    const first = demoModelFiles();
    const second = demoModelFiles();
    for (const [path, bytes] of first) assert.ok(bytes.equals(second.get(path)!), `${path} differs`);
    const onDisk = await readFile(join(dir, 'models', 'demo', 'onnx', 'vision_model.onnx'));
    assert.ok(onDisk.equals(first.get('onnx/vision_model.onnx')!));
  });

  it('regenerates a model whose version stamp is stale or whose files are missing', async () => {
    const target = join(dir, 'stale');
    await ensureDemoModel(target);
    const configPath = join(target, 'config.json');
    const config = JSON.parse(await readFile(configPath, 'utf8')) as { lookbook: { version: number } };
    config.lookbook.version = DEMO_MODEL_VERSION - 1;
    await writeFile(configPath, JSON.stringify(config));
    await rm(join(target, 'onnx', 'text_model.onnx'));
    await ensureDemoModel(target);
    const regenerated = JSON.parse(await readFile(configPath, 'utf8')) as { lookbook: { version: number } };
    assert.equal(regenerated.lookbook.version, DEMO_MODEL_VERSION);
    assert.ok(
      (await readFile(join(target, 'onnx', 'text_model.onnx'))).equals(
        demoModelFiles().get('onnx/text_model.onnx')!,
      ),
    );
  });

  it('survives concurrent first runs', async () => {
    const target = join(dir, 'concurrent');
    const results = await Promise.all([
      ensureDemoModel(target),
      ensureDemoModel(target),
      ensureDemoModel(target),
    ]);
    assert.equal(new Set(results).size, 1);
    const leftovers = (await readdir(dir)).filter((name) => name.startsWith('.'));
    assert.deepEqual(leftovers, [], 'temporary folders are cleaned up');
    const engine2 = await createClipEngine({ model: target, device: 'cpu', threads: 1 });
    try {
      const [red] = await engine2.embedTexts(['red']);
      assert.equal(red!.length, 64);
    } finally {
      await engine2.close();
    }
  });
});
