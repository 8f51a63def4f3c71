import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PHOTOS, REPO, TINY } from './fixtures.js';

// The desktop app runs the core compiled to JavaScript, where worker threads load `.js` modules without
// tsx; every other test runs the TypeScript sources. This builds the core as `npm run build:electron`
// does and starts each worker thread from the build, in a plain Node process.

test('the compiled core starts its worker threads (inference per tower, HEIC) without tsx', () => {
  const out = join(REPO, 'dist', 'test-compiled-workers');
  rmSync(out, { recursive: true, force: true });
  try {
    const tsc = spawnSync(
      process.execPath,
      [
        join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'),
        '-p',
        'electron/tsconfig.json',
        '--outDir',
        out,
      ],
      { cwd: REPO, encoding: 'utf8' },
    );
    assert.equal(tsc.status, 0, tsc.stdout + tsc.stderr);
    const script = `
      const { readFile } = await import('node:fs/promises');
      const { decodeHeic } = await import(${JSON.stringify(join(out, 'main/media/heic-decoder.js'))});
      const heic = await decodeHeic(await readFile(${JSON.stringify(join(PHOTOS, '..', 'images heic', 'bee.heic'))}));
      const { createClipEngine } = await import(${JSON.stringify(join(out, 'main/engine/clip-engine.js'))});
      const engine = await createClipEngine({ model: ${JSON.stringify(join(TINY, 'hf'))}, device: 'cpu', threads: 1 });
      const [text] = await engine.embedTexts(['a photo of a cat']);
      const size = engine.model.preprocess.size;
      const [image] = await engine.embedImageTensors([new Float32Array(3 * size * size)]);
      await engine.close();
      console.log(JSON.stringify({ heic: [heic.width, heic.height], text: text.length, image: image.length }));
    `;
    const entry = join(out, 'check-workers.mjs');
    writeFileSync(entry, script);
    // No tsx anywhere: not in the arguments, not inherited through NODE_OPTIONS.
    const env = { ...process.env, NODE_OPTIONS: '' };
    const run = spawnSync(process.execPath, [entry], { cwd: REPO, encoding: 'utf8', env });
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout.trim().split('\n').at(-1)!), {
      heic: [384, 256],
      text: 64,
      image: 64,
    });
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
