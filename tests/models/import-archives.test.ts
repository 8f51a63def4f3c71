// `lookbook models import` with archives and folders that should not be installed as they are: too big,
// a "zip bomb", cut short, a folder with a link loop, a tar with absolute names. Each gets a sentence a
// person can act on, no stack trace and no "ENOTEMPTY"/"ELOOP"/"TAR_…", and leaves nothing in
// <dataDir>/models: no model, no temporary import folder.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import * as tar from 'tar';
import { isUserError } from '../../main/errors.js';
import { importModel } from '../../main/models/import-model.js';
import { REPO } from '../engine/fixtures.js';

const FIXTURE = resolve('../shared/fixtures/clip-tiny-a');
const MiB = 1024 ** 2;

function lookbook(dataDir: string, ...args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'main/cli/cli.ts', '--data-dir', dataDir, ...args],
      { cwd: REPO, env: { ...process.env, LOOKBOOK_DEBUG: '' } },
    );
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, output }));
  });
}

/** A .zip of `files` (name → bytes), deflated as zip tools do, so that zeros compress like a bomb's. */
async function writeDeflatedZip(zipPath: string, files: Map<string, Buffer>): Promise<void> {
  const chunks: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const [fileName, data] of files) {
    const name = Buffer.from(fileName);
    const packed = deflateRawSync(data);
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(8, 8); // deflate
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const cd = Buffer.alloc(46);
    cd.writeUInt32LE(0x02014b50, 0);
    cd.writeUInt16LE(20, 4);
    cd.writeUInt16LE(20, 6);
    cd.writeUInt16LE(8, 10);
    cd.writeUInt32LE(crc, 16);
    cd.writeUInt32LE(packed.length, 20);
    cd.writeUInt32LE(data.length, 24);
    cd.writeUInt16LE(name.length, 28);
    cd.writeUInt32LE((0o100644 << 16) >>> 0, 38);
    cd.writeUInt32LE(offset, 42);
    chunks.push(local, name, packed);
    central.push(cd, name);
    offset += local.length + name.length + packed.length;
  }
  const cdSize = central.reduce((sum, b) => sum + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.size, 8);
  end.writeUInt16LE(files.size, 10);
  end.writeUInt32LE(cdSize, 12);
  end.writeUInt32LE(offset, 16);
  await fsp.writeFile(zipPath, Buffer.concat([...chunks, ...central, end]));
}

/** Every file under `dir`, by its path relative to `dir` with `/`. */
async function filesOf(dir: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  for (const name of await fsp.readdir(dir, { recursive: true })) {
    const path = join(dir, name);
    if ((await fsp.stat(path)).isFile()) {
      files.set(relative(dir, path).split('\\').join('/'), await fsp.readFile(path));
    }
  }
  return files;
}

/** What a person must never see in a refusal. */
function assertPlain(output: string): void {
  assert.doesNotMatch(output, /^\s+at /m, 'no stack trace');
  assert.doesNotMatch(output, /ENOTEMPTY|ELOOP|TAR_[A-Z_]+|unexpected error/, output);
}

describe('models import: limits and damaged input', () => {
  let work: string;

  before(async () => {
    work = await fsp.mkdtemp(join(tmpdir(), 'lookbook-import-archives-'));
  });
  after(() => fsp.rm(work, { recursive: true, force: true }));

  let n = 0;
  const freshDataDir = () => fsp.mkdtemp(join(work, `data-${n++}-`));
  /** A writable copy of the tiny hf-layout model in its own folder `name`. */
  const copyModel = async (name: string): Promise<string> => {
    const dir = join(work, name);
    await fsp.cp(join(FIXTURE, 'hf'), dir, { recursive: true });
    await fsp.chmod(dir, 0o755);
    for (const sub of ['', 'onnx']) await fsp.chmod(join(dir, sub), 0o755);
    return dir;
  };
  /** Everything in <dataDir>/models, hidden temporary folders included. */
  const modelsEntries = async (dataDir: string): Promise<string[]> =>
    (await fsp.readdir(join(dataDir, 'models')).catch(() => [] as string[])).sort();

  test('an archive over the size cap is refused before anything is written', async () => {
    const dataDir = await freshDataDir();
    await copyModel('big');
    const tgz = join(work, 'big.tar.gz');
    await tar.c({ gzip: true, file: tgz, cwd: work }, ['big']);
    await assert.rejects(importModel(tgz, { dataDir, limits: { maxBytes: 1 * MiB } }), (e: unknown) => {
      assert.ok(isUserError(e));
      assert.equal(e.code, 'model-too-large');
      assert.match(e.message, /big\.tar\.gz holds more than 1 MB, more than any CLIP model/);
      return true;
    });
    assert.deepEqual(await modelsEntries(dataDir), []);
  });

  test('a file that expands far beyond its packed size (zeros beside real weights) is refused', async () => {
    const dataDir = await freshDataDir();
    const dir = await copyModel('zeros');
    await fsp.writeFile(join(dir, 'onnx', 'padding.bin'), Buffer.alloc(8 * MiB));
    const tgz = join(work, 'zeros.tar.gz');
    await tar.c({ gzip: true, file: tgz, cwd: work }, ['zeros']);
    const limits = { ratioFloorBytes: 4 * MiB };
    await assert.rejects(importModel(tgz, { dataDir, limits }), (e: unknown) => {
      assert.ok(isUserError(e));
      assert.equal(e.code, 'model-too-large');
      assert.match(
        e.message,
        /zeros\.tar\.gz holds zeros\/onnx\/padding\.bin, which expands from .* to 8 MB/,
      );
      return true;
    });
    // The case: a .zip with an entry of zeros.
    const files = await filesOf(dir);
    const zip = join(work, 'zeros.zip');
    await writeDeflatedZip(zip, files);
    await assert.rejects(
      importModel(zip, { dataDir, limits }),
      /zeros\.zip holds onnx\/padding\.bin, which expands/,
    );
    assert.deepEqual(await modelsEntries(dataDir), []);
    // The same bytes without the padding are a model: the ratio is about the padding, not the model.
    await fsp.rm(join(dir, 'onnx', 'padding.bin'));
    await tar.c({ gzip: true, file: tgz, cwd: work }, ['zeros']);
    const imported = await importModel(tgz, { dataDir, limits });
    assert.equal(imported.id, 'zeros');
    assert.deepEqual(await modelsEntries(dataDir), ['zeros']);
  });

  test('a truncated .tar.gz says so in plain words, every time, and leaves no temporary folder', async () => {
    const dataDir = await freshDataDir();
    await copyModel('cut');
    const whole = join(work, 'whole.tar.gz');
    await tar.c({ gzip: true, file: whole, cwd: work }, ['cut']);
    const bytes = await fsp.readFile(whole);
    for (const fraction of [0.3, 0.9]) {
      const cut = join(work, `cut-${fraction}.tar.gz`);
      await fsp.writeFile(cut, bytes.subarray(0, Math.floor(bytes.length * fraction)));
      const r = await lookbook(dataDir, 'models', 'import', cut);
      assert.equal(r.code, 1, r.output);
      assert.match(r.output, /cut-0\.\d\.tar\.gz is incomplete or damaged \(it ends too early\)/);
      assert.match(r.output, /Download or copy it again; nothing was installed/);
      assertPlain(r.output);
      assert.deepEqual(await modelsEntries(dataDir), [], 'no temporary import folder');
    }
  });

  test('a folder with a link loop (up -> ..) is refused, naming the link, with a short message', async () => {
    const dataDir = await freshDataDir();
    const dir = await copyModel('looped');
    await fsp.symlink('..', join(dir, 'up'));
    const r = await lookbook(dataDir, 'models', 'import', dir);
    assert.equal(r.code, 1, r.output);
    assert.match(r.output, /up is a link back to a folder that holds it, so the folder never ends/);
    assertPlain(r.output);
    assert.ok(r.output.length < 400, `a short message: ${r.output}`);
    assert.deepEqual(await modelsEntries(dataDir), []);

    // A link to something deleted is named too (the copy said ENOENT).
    await fsp.rm(join(dir, 'up'));
    await fsp.symlink(join(work, 'deleted-long-ago'), join(dir, 'gone'));
    await assert.rejects(
      importModel(dir, { dataDir }),
      /gone is a link to something that no longer exists; nothing was installed/,
    );
    assert.deepEqual(await modelsEntries(dataDir), []);
  });

  test('a tar with absolute names is imported under the models folder, quietly', async () => {
    const dataDir = await freshDataDir();
    await copyModel('abs-model');
    const tarFile = join(work, 'absolute.tar');
    // Names like /abs-model/config.json, as `tar -P` writes them.
    await tar.c({ file: tarFile, cwd: work, prefix: '/', preservePaths: true }, ['abs-model']);
    const names: string[] = [];
    await tar.t({ file: tarFile, onReadEntry: (e) => names.push(e.path) });
    assert.ok(
      names.every((name) => name.startsWith('/')),
      names.join(', '),
    );

    const r = await lookbook(dataDir, 'models', 'import', tarFile);
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, /Imported absolute/);
    assertPlain(r.output);
    assert.deepEqual(await modelsEntries(dataDir), ['absolute']);
    await assert.rejects(fsp.access('/abs-model'), 'nothing was written at the root of the disk');
  });
});
