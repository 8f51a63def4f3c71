import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isUserError } from '../../main/errors.js';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClipEngine } from '../../main/engine/clip-engine.js';
import { padIds } from '../../main/engine/tokenizer.js';
import type { ClipEngine, ModelLayout } from '../../main/engine/types.js';
import { PHOTOS, TINY, cosine, readF32, readJson } from './fixtures.js';
import type { TinyReference } from './fixtures.js';

const ref = readJson<TinyReference>(join(TINY, 'reference.json'));
const pixels = readF32(join(TINY, 'pixel_values.f32'));
const [nImages, ...chw] = ref.pixel_values_shape;
const per = chw.reduce((a, b) => a * b, 1);
const images = Array.from({ length: nImages }, (_, i) => pixels.slice(i * per, (i + 1) * per));

const expected: Record<ModelLayout, { text: number[][]; image: number[][] }> = {
  hf: { text: ref.hf_text_embeds, image: ref.hf_image_embeds },
  immich: { text: ref.immich_text_embedding, image: ref.immich_image_embedding },
};

function assertUnit(v: Float32Array) {
  const norm = Math.sqrt(v.reduce((a, x) => a + x * x, 0));
  assert.ok(Math.abs(norm - 1) < 1e-5, `norm ${norm}`);
}

for (const layout of ['hf', 'immich'] as const) {
  describe(`${layout} layout`, () => {
    let engine: ClipEngine;
    before(async () => {
      engine = await createClipEngine({ model: join(TINY, layout), device: 'cpu', threads: 1 });
    });
    after(() => engine.close());

    test(`${layout}: model info read from the folder`, () => {
      assert.equal(engine.model.layout, layout);
      assert.equal(engine.model.embedDim, 64);
      assert.equal(engine.model.contextLength, 77);
      assert.equal(engine.model.preprocess.size, 224);
      assert.equal(engine.model.isDemo, false);
      assert.deepEqual(engine.device, { requested: 'cpu', provider: 'cpu' });
    });

    test(`${layout}: token ids, padded, equal the reference input_ids`, () => {
      ref.texts.forEach((text, i) => {
        const ids = engine.tokenize(text);
        assert.equal(ids.length, ref.attention_mask[i]!.filter((m) => m === 1).length, text);
        assert.deepEqual(padIds(ids, 77, 49407), ref.input_ids[i], text);
      });
    });

    test(`${layout}: text embeddings reproduce PyTorch (cosine ≥ 0.9999)`, async () => {
      const got = await engine.embedTexts(ref.texts);
      assert.equal(got.length, ref.texts.length);
      got.forEach((v, i) => {
        assertUnit(v);
        const c = cosine(v, expected[layout].text[i]!);
        assert.ok(c >= 0.9999, `${ref.texts[i]}: cosine ${c}`);
      });
      // One text alone (no batch padding) gives the same embedding as inside the batch.
      const [single] = await engine.embedTexts([ref.texts[2]!]);
      assert.ok(cosine(single!, got[2]!) > 0.99999);
    });

    test(`${layout}: image embeddings reproduce PyTorch (cosine ≥ 0.9999)`, async () => {
      const got = await engine.embedImageTensors(images);
      assert.equal(got.length, nImages);
      got.forEach((v, i) => {
        assertUnit(v);
        const c = cosine(v, expected[layout].image[i]!);
        assert.ok(c >= 0.9999, `image ${i}: cosine ${c}`);
      });
      assert.equal(images[0]!.length, per, "the caller's tensors are not detached by the transfer");
    });

    test(`${layout}: batches packed into buffers the worker handed back each give their own embeddings`, async () => {
      const reversed = [...images].reverse();
      const first = await engine.embedImageTensors(images);
      // Two batches in flight at once never share a buffer; a smaller batch between them never gets a
      // larger buffer with the previous batch's pixels left in it.
      const [again, backwards] = await Promise.all([
        engine.embedImageTensors(images),
        engine.embedImageTensors(reversed),
      ]);
      const [alone] = await engine.embedImageTensors(images.slice(1, 2));
      const third = await engine.embedImageTensors(images);
      first.forEach((v, i) => {
        assert.ok(cosine(again![i]!, v) > 0.99999, `image ${i}, second batch`);
        assert.ok(cosine(third[i]!, v) > 0.99999, `image ${i}, third batch`);
        assert.ok(cosine(backwards![nImages - 1 - i]!, v) > 0.99999, `image ${i}, reversed batch`);
      });
      assert.ok(cosine(alone!, first[1]!) > 0.99999, 'a batch of one');
    });
  });
}

test('embedImages decodes files and bytes; a bad file rejects with a user error; close() ends it', async () => {
  const engine = await createClipEngine({ model: join(TINY, 'hf'), device: 'cpu', threads: 1 });
  try {
    const [a, b] = await engine.embedImages([join(PHOTOS, 'cat.jpg'), join(PHOTOS, 'bee.jpg')]);
    assertUnit(a!);
    const [again] = await engine.embedImageTensors([await engine.preprocess(join(PHOTOS, 'cat.jpg'))]);
    assert.ok(cosine(a!, again!) > 0.99999);
    assert.ok(cosine(a!, b!) < 0.9999, 'different photos give different embeddings');
    await assert.rejects(engine.embedImages([join(PHOTOS, 'not-an-image.txt')]), (e) => isUserError(e));
    await assert.rejects(engine.embedImageTensors([new Float32Array(10)]), /3×224×224/);
    assert.deepEqual(await engine.embedTexts([]), []);
  } finally {
    await engine.close();
  }
  await assert.rejects(engine.embedTexts(['after close']), /closed/);
});

test('a corrupt ONNX file gives a user error naming it: the text tower at creation, the vision tower at its first image', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lookbook-corrupt-model-'));
  try {
    await cp(join(TINY, 'immich'), dir, { recursive: true });
    await writeFile(join(dir, 'visual', 'model.onnx'), 'not a protobuf');
    // The vision tower is created on first use, so a search-only process never pays for it.
    const engine = await createClipEngine({ model: dir, device: 'cpu', threads: 1 });
    try {
      assert.equal((await engine.embedTexts(['a cat']))[0]!.length, engine.model.embedDim);
      for (let attempt = 0; attempt < 2; attempt++) {
        await assert.rejects(engine.embedImageTensors([images[0]!]), (e: Error) => {
          return (
            isUserError(e) &&
            e.code === 'model-invalid' &&
            /cannot load .*visual[\\/]model\.onnx/.test(e.message)
          );
        });
      }
    } finally {
      await engine.close();
    }

    await cp(join(TINY, 'immich', 'visual'), join(dir, 'visual'), { recursive: true });
    await writeFile(join(dir, 'textual', 'model.onnx'), 'not a protobuf');
    await assert.rejects(createClipEngine({ model: dir, device: 'cpu', threads: 1 }), (e: Error) => {
      return e.name === 'UserError' && /cannot load .*textual[\\/]model\.onnx/.test(e.message);
    });

    // An engine that loads the text tower on first use (a process that only indexes) never touches it
    // while it embeds images, and says which file is broken when a text comes.
    const indexing = await createClipEngine({
      model: dir,
      device: 'cpu',
      threads: 1,
      textTower: 'on-first-use',
    });
    try {
      assert.deepEqual(indexing.device, { requested: 'cpu', provider: 'cpu' });
      const [v] = await indexing.embedImageTensors([images[0]!]);
      assert.equal(v!.length, indexing.model.embedDim);
      await assert.rejects(indexing.embedTexts(['a cat']), (e: Error) => {
        return isUserError(e) && /cannot load .*textual[\\/]model\.onnx/.test(e.message);
      });
    } finally {
      await indexing.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
