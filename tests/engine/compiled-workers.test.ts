import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCompiledCore, compiledDir, isCompiledCoreFresh } from '../../scripts/compiled-core.mjs';
import { PHOTOS, REPO, TINY } from './fixtures.js';

// The desktop app runs the core compiled to JavaScript, where worker threads load `.js` modules without
// tsx; every other test runs the TypeScript sources. This starts each worker thread from the build
// `npm run build:electron` makes, in a plain Node process.

test('the compiled core starts its worker threads (inference per tower, HEIC, training) without tsx', () => {
  // The build `npm install` and `npm run build:electron` make; built here when missing or stale.
  if (!isCompiledCoreFresh(REPO)) assert.equal(buildCompiledCore(REPO), undefined);
  const out = compiledDir(REPO);
  const scratch = mkdtempSync(join(tmpdir(), 'lookbook-compiled-workers-'));
  try {
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
      // Fine-tuning runs in its own worker too: 8 random pairs, 2 epochs.
      const { runTrainingInWorker } = await import(${JSON.stringify(join(out, 'main/tuning/train-in-worker.js'))});
      const pairs = { image: [], text: [] };
      for (let i = 0; i < 8; i++) {
        pairs.image.push(Float32Array.from({ length: 16 }, (_, j) => Math.sin(i * 3 + j)));
        pairs.text.push(Float32Array.from({ length: 16 }, (_, j) => Math.cos(i * 5 + j)));
      }
      const trained = await runTrainingInWorker({ train: pairs, epochs: 2, batchSize: 4 });
      console.log(JSON.stringify({
        heic: [heic.width, heic.height],
        text: text.length,
        image: image.length,
        trainedEpochs: trained.history.length,
      }));
    `;
    const entry = join(scratch, 'check-workers.mjs');
    writeFileSync(entry, script);
    // No tsx anywhere: not in the arguments, not inherited through NODE_OPTIONS.
    const env = { ...process.env, NODE_OPTIONS: '' };
    const run = spawnSync(process.execPath, [entry], { cwd: REPO, encoding: 'utf8', env });
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout.trim().split('\n').at(-1)!), {
      heic: [384, 256],
      text: 64,
      image: 64,
      trainedEpochs: 2,
    });
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
});
