// `lookbook models import`: real fixture models in both layouts, as folders and archives, go through the
// real engine; broken ones are refused with the reason and leave nothing in <dataDir>/models.
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { crc32 } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import * as tar from 'tar';
import { createEngineForModel } from '../../main/models/resolve-model.js';
import { isUserError } from '../../main/errors.js';
import { importModel, modelIdFromPath } from '../../main/models/import-model.js';
import {
  getActiveModel,
  getInstalledModel,
  listInstalledModels,
  removeInstalledModel,
  setActiveModel,
} from '../../main/models/installed-models.js';
import { readSettings, updateSettings } from '../../main/host/settings.js';
import { cosine } from '../engine/fixtures.js';

const FIXTURE = resolve('../shared/fixtures/clip-tiny-a');

interface Reference {
  texts: string[];
  immich_text_embedding: number[][];
  hf_text_embeds: number[][];
}

/** A minimal .zip writer (stored entries), so the test needs no zip library of its own. */
async function writeZip(zipPath: string, root: string, rename = (name: string) => name): Promise<void> {
  const files: { name: string; data: Buffer }[] = [];
  const walk = async (dir: string, prefix: string): Promise<void> => {
    for (const e of await fsp.readdir(dir, { withFileTypes: true })) {
      if (e.isDirectory()) await walk(join(dir, e.name), `${prefix}${e.name}/`);
      else files.push({ name: `${prefix}${e.name}`, data: await fsp.readFile(join(dir, e.name)) });
    }
  };
  await walk(root, '');
  const chunks: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const f of files) {
    const name = Buffer.from(rename(f.name));
    const crc = crc32(f.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(f.data.length, 18);
    local.writeUInt32LE(f.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const cd = Buffer.alloc(46);
    cd.writeUInt32LE(0x02014b50, 0);
    cd.writeUInt16LE(20, 4);
    cd.writeUInt16LE(20, 6);
    cd.writeUInt32LE(crc, 16);
    cd.writeUInt32LE(f.data.length, 20);
    cd.writeUInt32LE(f.data.length, 24);
    cd.writeUInt16LE(name.length, 28);
    cd.writeUInt32LE((0o100644 << 16) >>> 0, 38);
    cd.writeUInt32LE(offset, 42);
    chunks.push(local, name, f.data);
    central.push(cd, name);
    offset += local.length + name.length + f.data.length;
  }
  const cdSize = central.reduce((s, b) => s + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(cdSize, 12);
  end.writeUInt32LE(offset, 16);
  await fsp.writeFile(zipPath, Buffer.concat([...chunks, ...central, end]));
}

describe('models import', () => {
  let work: string;
  let dataDir: string;
  let reference: Reference;

  before(async () => {
    work = await fsp.mkdtemp(join(tmpdir(), 'lookbook-import-'));
    reference = JSON.parse(await fsp.readFile(join(FIXTURE, 'reference.json'), 'utf8')) as Reference;
  });
  after(() => fsp.rm(work, { recursive: true, force: true }));

  const freshDataDir = async (): Promise<string> => {
    dataDir = await fsp.mkdtemp(join(work, 'data-'));
    return dataDir;
  };
  const copyLayout = async (layout: 'hf' | 'immich', name: string): Promise<string> => {
    const dir = join(work, name);
    await fsp.cp(join(FIXTURE, layout), dir, { recursive: true });
    // The fixture is read-only; copies must be writable so tests can break them and clean up.
    await fsp.chmod(dir, 0o755);
    for (const sub of ['', 'textual', 'visual', 'onnx'])
      await fsp.chmod(join(dir, sub), 0o755).catch(() => {});
    return dir;
  };
  const modelsEntries = async (): Promise<string[]> => {
    try {
      return (await fsp.readdir(join(dataDir, 'models'))).sort();
    } catch {
      return [];
    }
  };

  for (const layout of ['immich', 'hf'] as const) {
    test(`a ${layout}-layout folder is imported and embeds like the reference`, async () => {
      await freshDataDir();
      const src = await copyLayout(layout, `tiny-${layout}`);
      const result = await importModel(src, { dataDir });
      assert.equal(result.id, `tiny-${layout}`);
      assert.equal(result.layout, layout);
      assert.equal(result.embedDim, 64);
      assert.deepEqual(await modelsEntries(), [`tiny-${layout}`], 'no temp folder left');
      const installed = await getInstalledModel(dataDir, result.id);
      assert.equal(installed?.layout, layout);
      assert.equal(installed?.manifest?.source.type, 'import');

      const want = layout === 'immich' ? reference.immich_text_embedding : reference.hf_text_embeds;
      const engine = await createEngineForModel(result.id, { dataDir, device: 'cpu', threads: 1 });
      try {
        const got = await engine.embedTexts(reference.texts.slice(0, 4));
        got.forEach((v, i) => assert.ok(cosine(v, want[i]!) >= 0.9999, `text ${i}`));
      } finally {
        await engine.close();
      }
    });
  }

  test('a .tar.gz holding an hf-layout folder and a .zip of an immich-layout folder are imported', async () => {
    await freshDataDir();
    await copyLayout('hf', 'wrapped');
    const tgz = join(work, 'clip-tiny-hf.tar.gz');
    await tar.c({ gzip: true, file: tgz, cwd: work }, ['wrapped']);
    const a = await importModel(tgz, { dataDir });
    assert.equal(a.id, 'clip-tiny-hf');
    assert.equal(a.layout, 'hf');

    const immich = await copyLayout('immich', 'zipped');
    const zip = join(work, 'clip-tiny-immich.zip');
    await writeZip(zip, immich);
    const b = await importModel(zip, { dataDir, id: 'my-immich' });
    assert.equal(b.id, 'my-immich');
    assert.equal(b.layout, 'immich');
    assert.deepEqual(await modelsEntries(), ['clip-tiny-hf', 'my-immich']);
  });

  test('a folder missing a file is refused, naming the file, and nothing is installed', async () => {
    await freshDataDir();
    const src = await copyLayout('immich', 'no-visual');
    await fsp.rm(join(src, 'visual', 'model.onnx'));
    await assert.rejects(importModel(src, { dataDir }), (e: unknown) => {
      assert.ok(isUserError(e));
      assert.match(e.message, /incomplete Immich-layout model folder: missing visual\/model\.onnx/);
      return true;
    });
    assert.deepEqual(await modelsEntries(), []);
  });

  test('a folder with a garbage ONNX file is refused with the engine’s reason, nothing installed', async () => {
    await freshDataDir();
    const src = await copyLayout('hf', 'garbage');
    await fsp.writeFile(join(src, 'onnx', 'vision_model.onnx'), Buffer.from('this is not an onnx model'));
    await assert.rejects(importModel(src, { dataDir }), (e: unknown) => {
      assert.ok(isUserError(e));
      assert.equal(e.code, 'model-invalid');
      assert.ok(e.message.startsWith(`cannot import ${src}: `), e.message);
      assert.ok(e.message.includes(join(src, 'onnx', 'vision_model.onnx')), e.message);
      assert.ok(!e.message.includes('.tmp-'), e.message);
      return true;
    });
    assert.deepEqual(await modelsEntries(), []);
  });

  test('a folder that is no model at all, and an unknown file type, are refused', async () => {
    await freshDataDir();
    const empty = join(work, 'just-photos');
    await fsp.mkdir(empty, { recursive: true });
    await fsp.writeFile(join(empty, 'a.txt'), 'hello');
    await assert.rejects(
      importModel(empty, { dataDir }),
      /not a CLIP model folder: expected the Immich layout/,
    );
    await assert.rejects(importModel(join(empty, 'a.txt'), { dataDir }), /neither a folder nor a \.zip/);
    const badZip = join(work, 'broken.zip');
    await fsp.writeFile(badZip, 'PK not really');
    await assert.rejects(importModel(badZip, { dataDir }), /broken\.zip is incomplete or damaged/);
    // An archive entry that climbs out of the extraction folder is refused, and nothing lands outside it.
    const evilDir = join(work, 'evil-src');
    await fsp.mkdir(join(evilDir, 'x'), { recursive: true });
    await fsp.writeFile(join(evilDir, 'x', 'escaped.txt'), 'no');
    const evilZip = join(work, 'evil.zip');
    await writeZip(evilZip, evilDir, (name) => name.replace(/^x\//, '../../'));
    await assert.rejects(importModel(evilZip, { dataDir }), /name leads outside the archive's folder/);
    await assert.rejects(fsp.access(join(dataDir, 'models', 'escaped.txt')));
    await assert.rejects(fsp.access(join(dataDir, 'escaped.txt')));
    assert.deepEqual(await modelsEntries(), []);
  });

  test('an existing id is kept unless --force; use/remove keep other settings', async () => {
    await freshDataDir();
    const src = await copyLayout('immich', 'twice');
    await importModel(src, { dataDir });
    await assert.rejects(importModel(src, { dataDir }), /already installed; use --force/);
    await importModel(src, { dataDir, force: true });
    assert.deepEqual(await modelsEntries(), ['twice']);

    updateSettings(dataDir, (s) => {
      s.theme = 'dark';
    });
    await setActiveModel(dataDir, 'twice');
    assert.equal(await getActiveModel(dataDir), 'twice');
    assert.equal(readSettings(dataDir).theme, 'dark');
    await assert.rejects(
      setActiveModel(dataDir, 'ViT-B-32__openai'),
      /not installed; run: lookbook models pull/,
    );

    const { wasActive } = await removeInstalledModel(dataDir, 'twice');
    assert.equal(wasActive, true);
    assert.equal(await getActiveModel(dataDir), undefined);
    assert.equal(readSettings(dataDir).theme, 'dark');
    assert.deepEqual(await listInstalledModels(dataDir), []);
    assert.deepEqual(await modelsEntries(), []);
  });

  test('ids come from folder and archive names', () => {
    assert.equal(modelIdFromPath('/x/ViT-B-32__openai'), 'ViT-B-32__openai');
    assert.equal(modelIdFromPath('/x/My Model.tar.gz'), 'My-Model');
    assert.equal(modelIdFromPath('/x/.hidden.zip'), 'hidden');
  });
});
