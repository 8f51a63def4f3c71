// The shipped catalogue: what `lookbook models list` offers must be complete enough to install.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  defaultCatalogueEntry,
  findCatalogueEntry,
  loadCatalogue,
  parseCatalogue,
  parseCatalogueEntry,
  requireCatalogueEntry,
} from '../../main/models/catalogue.js';
import { resolveUrl } from '../../main/models/download.js';
import { LAYOUT_REQUIRED_FILES } from '../../main/models/installed-models.js';

test('the catalogue offers ViT-B/32 (default), ViT-L/14 and a model that understands Chinese', () => {
  const entries = loadCatalogue();
  assert.equal(defaultCatalogueEntry().id, 'ViT-B-32__openai');
  const b32 = requireCatalogueEntry('ViT-B-32__openai');
  const l14 = requireCatalogueEntry('ViT-L-14__openai');
  assert.equal(b32.embedDim, 512);
  assert.equal(l14.embedDim, 768);
  assert.ok(
    entries.some((e) => e.languages.includes('zh') && e.languages.includes('en')),
    'multilingual with zh',
  );
  assert.ok(
    entries.some((e) => e.languages[0] === 'zh'),
    'a Chinese-first model',
  );
  for (const e of entries) {
    assert.ok(e.licence && e.speed && e.embedDim > 0 && e.languages.length > 0, e.id);
  }
});

test('every catalogue entry fetches every file its layout needs, each once', () => {
  for (const e of loadCatalogue()) {
    const paths = e.files.map((f) => f.path);
    assert.equal(new Set(paths).size, paths.length, `${e.id}: duplicate files`);
    for (const required of LAYOUT_REQUIRED_FILES[e.layout]) {
      assert.ok(paths.includes(required), `${e.id} (${e.layout}) lacks ${required}`);
    }
    assert.ok(
      e.files.every((f) => (f.size ?? 0) > 0),
      `${e.id}: every file has a size estimate`,
    );
  }
});

test('download URLs follow the Hugging Face resolve scheme', () => {
  const e = requireCatalogueEntry('ViT-B-32__openai');
  assert.equal(
    resolveUrl('https://huggingface.co', e.repo, e.revision, 'textual/model.onnx'),
    'https://huggingface.co/immich-app/ViT-B-32__openai/resolve/main/textual/model.onnx',
  );
  assert.equal(
    resolveUrl('http://h', 'o/r', 'refs/pr/1', 'a b.json'),
    'http://h/o/r/resolve/refs%2Fpr%2F1/a%20b.json',
  );
});

test('ids are found case-insensitively and unknown ids list the choices', () => {
  assert.equal(findCatalogueEntry('vit-b-32__OPENAI')?.id, 'ViT-B-32__openai');
  assert.throws(
    () => requireCatalogueEntry('nope'),
    /no model 'nope' in the catalogue; available: ViT-B-32__openai/,
  );
});

test('malformed catalogue entries are caught when loaded', () => {
  const good = {
    id: 'x',
    name: 'x',
    description: 'x',
    repo: 'o/r',
    revision: 'main',
    layout: 'hf',
    embedDim: 512,
    languages: ['en'],
    licence: 'MIT',
    speed: 'fast',
    files: [{ path: 'config.json' }],
  };
  assert.equal(parseCatalogueEntry(good).id, 'x');
  assert.throws(() => parseCatalogueEntry({ ...good, files: [{ path: '../../etc/passwd' }] }), /unsafe/);
  assert.throws(() => parseCatalogueEntry({ ...good, id: '.hidden' }), /not a valid folder name/);
  assert.throws(() => parseCatalogueEntry({ ...good, layout: 'other' }), /layout/);
  assert.throws(() => parseCatalogueEntry({ ...good, files: [{ path: 'a', sha256: 'abc' }] }), /sha256/);
  assert.throws(() => parseCatalogue({ models: [good, good] }), /duplicate id/);
});

test('a transformers.js repository offers its published int8 files as a catalogue model of its own', () => {
  const variant = requireCatalogueEntry('chinese-clip-vit-base-patch16-int8');
  const base = requireCatalogueEntry('chinese-clip-vit-base-patch16');
  assert.deepEqual(variant.variantOf, { id: base.id, precision: 'int8' });
  assert.equal(variant.repo, base.repo);
  assert.ok(!variant.default);
  // Installed under the names the engine loads, fetched from the quantized files beside the fp32 ones.
  const from = Object.fromEntries(variant.files.map((f) => [f.path, f.from ?? f.path]));
  assert.equal(from['onnx/vision_model.onnx'], 'onnx/vision_model_quantized.onnx');
  assert.equal(from['onnx/text_model.onnx'], 'onnx/text_model_quantized.onnx');
  assert.equal(from['tokenizer.json'], 'tokenizer.json');
  assert.match(variant.description, /smaller version.*faster on a processor.*slightly less precise/);
  assert.equal(variant.name, 'Chinese-CLIP ViT-B/16 (smaller, faster)');
  const size = (e: typeof base) => e.files.reduce((s, f) => s + (f.size ?? 0), 0);
  assert.ok(size(variant) < size(base) / 3);
  // A variant naming a file its entry does not have is a catalogue bug, caught when it loads.
  const raw = {
    ...base,
    variants: [{ precision: 'int8', files: [{ path: 'onnx/model.onnx', from: 'x.onnx' }] }],
  };
  assert.throws(
    () => parseCatalogue({ models: [raw] }),
    /'onnx\/model.onnx' is not one of the entry's files/,
  );
  assert.throws(
    () => parseCatalogue({ models: [{ ...raw, variants: [{ precision: 'int4', files: [] }] }] }),
    /precision must be 'int8' or 'fp16'/,
  );
});
