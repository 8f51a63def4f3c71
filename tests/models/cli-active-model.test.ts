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
    const rows = JSON.parse((await lookbook(dataDir, 'models', 'list', '--json')).stdout) as {
      id: string;
      active: boolean;
    }[];
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
