import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { detectLayout, readModelFolder } from '../../main/engine/model-folder.js';
import { TINY } from './fixtures.js';

const tmp = await mkdtemp(join(tmpdir(), 'lookbook-model-folder-'));
after(() => rm(tmp, { recursive: true, force: true }));

/** A writable copy of a fixture layout (configs only; the big graphs are linked by copying lazily). */
async function copyLayout(layout: 'hf' | 'immich', name: string): Promise<string> {
  const dir = join(tmp, name);
  await cp(join(TINY, layout), dir, { recursive: true });
  return dir;
}

test('reads the Hugging Face layout', async () => {
  const f = await readModelFolder(join(TINY, 'hf'));
  assert.equal(f.info.layout, 'hf');
  assert.equal(f.info.id, 'hf');
  assert.equal(f.padId, 49407);
  assert.equal(f.info.embedDim, 64);
  assert.deepEqual(f.info.preprocess.mean, [0.48145466, 0.4578275, 0.40821073]);
  // 2.6592 is transformers' initial value in every CLIP config, not the trained temperature.
  assert.equal(f.info.logitScale, 100);
  assert.ok(f.textModelPath.endsWith(join('onnx', 'text_model.onnx')));
});

test('reads the Immich layout', async () => {
  const f = await readModelFolder(join(TINY, 'immich'), 'tiny');
  assert.equal(f.info.layout, 'immich');
  assert.equal(f.info.id, 'tiny');
  assert.equal(f.padId, 49407);
  assert.equal(f.info.contextLength, 77);
  assert.deepEqual(f.info.preprocess, {
    size: 224,
    mean: [0.48145466, 0.4578275, 0.40821073],
    std: [0.26862954, 0.26130258, 0.27577711],
    resizeMode: 'shortest',
    interpolation: 'bicubic',
  });
});

test('a trained logit_scale_init_value is exponentiated; squash and bilinear are honoured', async () => {
  const dir = await copyLayout('hf', 'hf-scaled');
  const config = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'));
  await writeFile(
    join(dir, 'config.json'),
    JSON.stringify({ ...config, logit_scale_init_value: Math.log(50) }),
  );
  assert.ok(Math.abs((await readModelFolder(dir)).info.logitScale - 50) < 1e-9);

  const im = await copyLayout('immich', 'immich-squash');
  const cfgPath = join(im, 'visual', 'preprocess_cfg.json');
  const cfg = JSON.parse(await readFile(cfgPath, 'utf8'));
  await writeFile(
    cfgPath,
    JSON.stringify({ ...cfg, resize_mode: 'squash', interpolation: 'bilinear', size: 256 }),
  );
  const p = (await readModelFolder(im)).info.preprocess;
  assert.equal(p.resizeMode, 'squash');
  assert.equal(p.interpolation, 'bilinear');
  assert.equal(p.size, 256);
});

test('missing or broken files are named in the error', async () => {
  const hf = await copyLayout('hf', 'hf-broken');
  await rm(join(hf, 'preprocessor_config.json'));
  await assert.rejects(
    readModelFolder(hf),
    (e: Error) => e.name === 'UserError' && /preprocessor_config\.json/.test(e.message),
  );

  const im = await copyLayout('immich', 'immich-broken');
  await writeFile(join(im, 'config.json'), '{ not json');
  await assert.rejects(
    readModelFolder(im),
    (e: Error) => e.name === 'UserError' && /config\.json is not valid JSON/.test(e.message),
  );
  await rm(join(im, 'visual', 'model.onnx'));
  await assert.rejects(readModelFolder(im), (e: Error) => /missing visual[\\/]model\.onnx/.test(e.message));
});

test('a folder in neither layout, or no folder, is a clear error', async () => {
  assert.equal(detectLayout(TINY), undefined);
  await assert.rejects(
    readModelFolder(TINY),
    (e: Error) => e.name === 'UserError' && /is not a CLIP model folder/.test(e.message),
  );
  await assert.rejects(readModelFolder(join(tmp, 'nothing-here')), /does not exist/);
});
