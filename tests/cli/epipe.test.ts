import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Found by QA: `lookbook pairs list | head` crashed with an unhandled EPIPE and a stack trace once head
// had read enough. Like other Unix tools, the command now stops quietly when its reader goes away.

test('a reader that closes the pipe early ends the command quietly', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'lookbook-epipe-'));
  try {
    // `vocab show everyday` prints hundreds of lines without loading a model.
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'main/cli/cli.ts', '--data-dir', dataDir, 'vocab', 'show', 'everyday'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    let lines = 0;
    child.stdout.once('data', () => {
      lines++;
      child.stdout.destroy();
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    assert.equal(lines, 1);
    assert.doesNotMatch(stderr, /EPIPE|Unhandled|at /, stderr);
    assert.equal(code, 0);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});
