// The engine's CLI commands, run as a user would: a child process, its output and exit code.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../main/cli/cli.js';
import { preprocessImage } from '../../main/engine/preprocess.js';
import { CLIP_PREPROCESS, PHOTOS, REPO, TINY, cosine } from './fixtures.js';

const tmp = await mkdtemp(join(tmpdir(), 'lookbook-cli-engine-'));
after(() => rm(tmp, { recursive: true, force: true }));

function lookbook(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'main/cli/cli.ts', '--data-dir', tmp, ...args],
      {
        cwd: REPO,
        env: { ...process.env, LOOKBOOK_DEBUG: '' },
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function assertCleanFailure(r: { code: number | null; stdout: string; stderr: string }, message: RegExp) {
  assert.notEqual(r.code, 0);
  const [first] = r.stderr.trim().split('\n');
  // The error is the first line; argument errors are followed by the command's help, nothing else.
  assert.match(first!, message);
  assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace');
  if (!r.stderr.includes('Usage:'))
    assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
}

test('embed prints one JSON line per input, normalized, texts then images', async () => {
  const image = join(PHOTOS, 'cat.jpg');
  const r = await lookbook(
    'embed',
    '--model',
    join(TINY, 'immich'),
    '--text',
    'a cat',
    '--text',
    'a dog',
    '--image',
    image,
    '--device',
    'cpu',
  );
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.deepEqual(
    lines.map((l) => [l.kind, l.input]),
    [
      ['text', 'a cat'],
      ['text', 'a dog'],
      ['image', image],
    ],
  );
  for (const l of lines) {
    assert.equal(l.embedding.length, 64);
    assert.ok(Math.abs(Math.hypot(...l.embedding) - 1) < 1e-5);
  }
  assert.ok(cosine(lines[0].embedding, lines[1].embedding) < 0.9999);
});

test('tokenize prints the unpadded ids; preprocess writes the float32 tensor', async () => {
  const out = join(tmp, 'bee.f32');
  const image = join(PHOTOS, 'bee.jpg');
  const [t, p] = await Promise.all([
    lookbook('tokenize', '--model', join(TINY, 'hf'), 'a photo of a cat'),
    lookbook('preprocess', '--model', join(TINY, 'hf'), image, '--out', out),
  ]);
  assert.equal(t.code, 0, t.stderr);
  assert.deepEqual(JSON.parse(t.stdout), { ids: [49406, 320, 1125, 539, 320, 2368, 49407] });
  assert.equal(p.code, 0, p.stderr);
  const bytes = await readFile(out);
  assert.equal(bytes.length, 3 * 224 * 224 * 4);
  const written = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
  assert.deepEqual(written, await preprocessImage(image, CLIP_PREPROCESS));
});

test('errors are one clear line with a non-zero exit and no stack trace', async () => {
  const hf = join(TINY, 'hf');
  const cases: [string[], RegExp][] = [
    [['embed', '--model', 'not-installed', '--text', 'x'], /model not-installed is not installed/],
    [
      ['embed', '--model', hf, '--image', join(PHOTOS, 'not-an-image.txt')],
      /not-an-image\.txt is not an image format Lookbook can read/,
    ],
    [['embed', '--model', hf, '--text', 'x', '--device', 'gpu'], /unknown device gpu/],
    [['preprocess', '--model', hf, join(PHOTOS, 'bee.jpg')], /required option '--out <file>' not specified/],
  ];
  // Two at a time: each run starts Node and tsx, which dominates; CI has two cores.
  for (let i = 0; i < cases.length; i += 2) {
    const batch = cases.slice(i, i + 2);
    const results = await Promise.all(batch.map(([args]) => lookbook(...args)));
    results.forEach((r, j) => assertCleanFailure(r, batch[j]![1]));
  }
});

test('more error cases, through the same entry point in this process', async () => {
  const hf = join(TINY, 'hf');
  const cases: [string[], RegExp][] = [
    [['embed', '--model', join(tmp, 'nope'), '--text', 'x'], /model folder .*nope does not exist/],
    [['embed', '--model', TINY, '--text', 'x'], /is not a CLIP model folder/],
    [['embed', '--model', hf, '--image', join(PHOTOS, 'missing.jpg')], /missing\.jpg: no such file/],
    [['embed', '--model', hf], /nothing to embed/],
    [['tokenize', '--model', join(TINY, 'immich', 'textual'), 'x'], /is not a CLIP model folder/],
  ];
  for (const [args, message] of cases) {
    let stderr = '';
    const write = process.stderr.write;
    process.stderr.write = ((chunk: string | Uint8Array) => {
      stderr += String(chunk);
      return true;
    }) as typeof process.stderr.write;
    let code: number;
    try {
      code = await runCli(['--data-dir', tmp, ...args]);
    } finally {
      process.stderr.write = write;
    }
    assertCleanFailure({ code, stdout: '', stderr }, message);
  }
});
