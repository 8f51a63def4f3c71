import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

// Found by QA: on a new library, which uses the demo model, `lookbook models list` marked no model as
// active ('* = active' with no '*') and `models info demo` said "active: no".

const run = promisify(execFile);
const lookbook = (dataDir: string, ...args: string[]) =>
  run(process.execPath, ['--import', 'tsx', 'main/cli/cli.ts', '--data-dir', dataDir, ...args]);

test('a new library lists the demo model as the active one', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'lookbook-active-'));
  try {
    await lookbook(dataDir, 'embed', '--text', 'red'); // generates the demo model
    // One JSON object per model and line.
    const rows = (await lookbook(dataDir, 'models', 'list', '--json')).stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { id: string; active: boolean; embedDim?: number });
    assert.equal(
      rows.find((r) => r.id === 'demo')?.embedDim,
      64,
      "the demo model's dimension, from its config",
    );
    assert.deepEqual(
      rows.filter((r) => r.active).map((r) => r.id),
      ['demo'],
    );
    const info = JSON.parse((await lookbook(dataDir, 'models', 'info', 'demo', '--json')).stdout) as {
      active: boolean;
    };
    assert.equal(info.active, true);
    assert.match((await lookbook(dataDir, 'models', 'list')).stdout, /^\*\s+demo\s/m);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('embed and tokenize use the active model once one is chosen', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'lookbook-active-'));
  try {
    const demoIds = JSON.parse((await lookbook(dataDir, 'tokenize', 'a cat')).stdout) as { ids: number[] };
    await lookbook(dataDir, 'models', 'import', '../shared/fixtures/clip-tiny-a/immich', '--id', 'tiny');
    await lookbook(dataDir, 'models', 'use', 'tiny');
    const ids = JSON.parse((await lookbook(dataDir, 'tokenize', 'a cat')).stdout) as { ids: number[] };
    // CLIP's BPE ids (start, "a", "cat", end), not the demo tokenizer's.
    assert.deepEqual(ids.ids, [49406, 320, 2368, 49407]);
    assert.notDeepEqual(ids.ids, demoIds.ids);
    const [line] = (await lookbook(dataDir, 'embed', '--text', 'a cat')).stdout.trim().split('\n');
    assert.equal((JSON.parse(line!) as { embedding: number[] }).embedding.length, 64);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});
