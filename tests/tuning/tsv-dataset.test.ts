import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { decodeBase64Strict, readTsvPairs, writeTsvPairs } from '../../main/tuning/tsv-dataset.js';
import type { TsvRecord } from '../../main/tuning/tsv-dataset.js';
import { readFolderDataset } from '../../main/tuning/folder-dataset.js';

/** A small real photo-like image (noise, so its base64 uses every character, + / - _ included). */
async function makeImage(seed: number, format: 'jpeg' | 'png' = 'jpeg'): Promise<Buffer> {
  const w = 24;
  const raw = Buffer.alloc(w * w * 3);
  let s = seed;
  for (let i = 0; i < raw.length; i++) raw[i] = (s = (s * 1103515245 + 12345) >>> 0) >>> 24;
  const img = sharp(raw, { raw: { width: w, height: w, channels: 3 } });
  return format === 'png' ? img.png().toBuffer() : img.jpeg().toBuffer();
}

async function collect(path: string): Promise<TsvRecord[]> {
  const out: TsvRecord[] = [];
  for await (const r of readTsvPairs(path)) out.push(r);
  return out;
}

async function tempDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'lookbook-tsv-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test('standard and URL-safe base64, padded or not, all import to the same image bytes', async (t) => {
  const dir = await tempDir(t);
  const image = await makeImage(1);
  const std = image.toString('base64');
  const url = image.toString('base64url');
  assert.ok(/[+/]/.test(std) && /[-_]/.test(url), 'the image exercises both alphabets');
  const padded = std.endsWith('=') ? url + '='.repeat(std.length - std.replace(/=+$/, '').length) : url;
  const lines = [
    `burgundy wrap dress\t${std}`,
    `burgundy wrap dress, unpadded\t${std.replace(/=+$/, '')}`,
    `url-safe\t${url}`,
    `url-safe padded\t${padded}`,
  ];
  const path = join(dir, 'pairs.tsv');
  await writeFile(path, lines.join('\n') + '\n');
  const records = await collect(path);
  assert.equal(records.length, 4);
  for (const r of records) {
    assert.ok(r.ok, JSON.stringify(r));
    assert.ok(r.image.equals(image));
  }
  assert.deepEqual(
    records.map((r) => (r.ok ? r.text : '')),
    ['burgundy wrap dress', 'burgundy wrap dress, unpadded', 'url-safe', 'url-safe padded'],
  );
});

test('malformed lines are reported with their line number and every good line is kept', async (t) => {
  const dir = await tempDir(t);
  const a = (await makeImage(2)).toString('base64');
  const b = (await makeImage(3, 'png')).toString('base64url');
  const notAnImage = Buffer.from('this is plain text, not a photo').toString('base64');
  const lines = [
    '\ufefftext\timage', // 1: header (with a byte-order mark), skipped
    `red dress\t${a}`, // 2: good
    'a line without any tab', // 3
    `bad characters\t${a.slice(0, 40)}*${a.slice(41)}`, // 4
    `truncated\t${a.slice(0, 41)}`, // 5: 41 characters of base64 cannot be whole bytes
    `not an image\t${notAnImage}`, // 6
    '', // 7: blank, skipped
    `\t${a}`, // 8: no text
    `mixed alphabets\t${a.replace(/[A-Z]/, '-').replace(/[a-z]/, '+')}`, // 9
    `green shirt\twith\ttabs\t${b}`, // 10: good; the image is the last column
  ];
  const path = join(dir, 'mixed.tsv');
  await writeFile(path, lines.join('\r\n') + '\r\n');
  const records = await collect(path);
  const good = records.filter((r) => r.ok);
  const bad = records.filter((r) => !r.ok);
  assert.deepEqual(
    good.map((r) => [r.line, r.ok && r.text]),
    [
      [2, 'red dress'],
      [10, 'green shirt\twith\ttabs'],
    ],
  );
  assert.deepEqual(
    bad.map((r) => r.line),
    [3, 4, 5, 6, 8, 9],
  );
  const reason = (line: number) => {
    const r = bad.find((x) => x.line === line);
    return r && !r.ok ? r.reason : '';
  };
  assert.match(reason(3), /missing column/);
  assert.match(reason(4), /not base64 \(unexpected character at position 41\)/);
  assert.match(reason(5), /truncated/);
  assert.match(reason(6), /cannot be decoded/);
  assert.match(reason(8), /empty text/);
  assert.match(reason(9), /mixes standard and URL-safe/);
});

test('writing a TSV and reading it back gives the same pairs, in both alphabets', async (t) => {
  const dir = await tempDir(t);
  const pairs = [
    { text: 'navy blazer', image: await makeImage(4) },
    { text: 'tab\there and\nnewline', image: await makeImage(5, 'png') },
  ];
  for (const alphabet of ['standard', 'url'] as const) {
    for (const padding of [true, false]) {
      const path = join(dir, `${alphabet}-${padding}.tsv`);
      assert.equal(await writeTsvPairs(path, pairs, { alphabet, padding }), 2);
      const text = await readFile(path, 'utf8');
      assert.equal(/[-_]/.test(text.split('\t').pop()!), alphabet === 'url');
      const back = await collect(path);
      assert.deepEqual(
        back.map((r) => r.ok && r.text),
        ['navy blazer', 'tab here and newline'],
      );
      back.forEach((r, i) => assert.ok(r.ok && r.image.equals(pairs[i]!.image)));
    }
  }
});

test('strict base64 decoding', () => {
  assert.deepEqual(decodeBase64Strict('aGk='), Buffer.from('hi'));
  assert.deepEqual(decodeBase64Strict('aGk'), Buffer.from('hi'));
  assert.match(String(decodeBase64Strict('aG=k')), /padding in the middle/);
  assert.match(String(decodeBase64Strict('aGk==')), /wrong base64 padding/);
  assert.match(String(decodeBase64Strict('')), /empty/);
});

test('folder-per-class datasets become pairs from the prompt template; unreadable photos are reported', async (t) => {
  const dir = await tempDir(t);
  await mkdir(join(dir, 'burgundy_wrap_dress'));
  await mkdir(join(dir, 'sneakers', 'nested'), { recursive: true });
  await writeFile(join(dir, 'burgundy_wrap_dress', 'b.png'), await makeImage(6, 'png'));
  await writeFile(join(dir, 'burgundy_wrap_dress', 'a.jpg'), await makeImage(7));
  await writeFile(join(dir, 'burgundy_wrap_dress', 'notes.txt'), 'not a photo');
  await writeFile(join(dir, 'sneakers', 'c.JPG'), await makeImage(8));
  await writeFile(join(dir, 'sneakers', 'broken.jpg'), 'garbage');
  await writeFile(join(dir, 'sneakers', 'nested', 'd.jpg'), await makeImage(9));
  await writeFile(join(dir, 'loose.jpg'), await makeImage(10));
  const out = [];
  for await (const r of readFolderDataset(dir)) out.push(r);
  assert.deepEqual(
    out.map((r) => (r.ok ? [r.path.slice(dir.length + 1), r.text] : [r.path.slice(dir.length + 1), 'error'])),
    [
      [join('burgundy_wrap_dress', 'a.jpg'), 'a photo of a burgundy wrap dress.'],
      [join('burgundy_wrap_dress', 'b.png'), 'a photo of a burgundy wrap dress.'],
      [join('sneakers', 'broken.jpg'), 'error'],
      [join('sneakers', 'c.JPG'), 'a photo of a sneakers.'],
    ],
  );
  const custom = [];
  for await (const r of readFolderDataset(dir, { template: 'product: {class}', checkImages: false }))
    custom.push(r);
  assert.equal(custom.length, 4);
  assert.ok(custom[0]!.ok && custom[0]!.text === 'product: burgundy wrap dress');
});
