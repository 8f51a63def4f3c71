import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { openCore } from '../../main/core/open-core.js';
import { isUserError } from '../../main/errors.js';
import { INDEX_LOCK_FILE } from '../../main/library/index-lock.js';
import { tempDir, writePhoto } from './photo-fixtures.js';

// Two processes indexing one data directory at once raced on the LanceDB tables: one died with a raw
// "commit conflict" and the library kept duplicate files and vectors for good (found by QA with two
// `lookbook index` at once). Now the second one stops with a clear message and touches nothing.

async function library3(dir: string) {
  const root = join(dir, 'photos');
  for (const [i, colour] of (['red', 'green', 'blue'] as const).entries()) {
    await writePhoto({ path: join(root, `${colour}.jpg`), colour, seed: i, size: 16 });
  }
  const dataDir = join(dir, 'data');
  const core = await openCore({ dataDir, library: { watch: { debounceMs: 100, stabilityMs: 100 } } });
  const library = core.library;
  await library.addFolder(root);
  return { core, library, dataDir, lock: join(dataDir, INDEX_LOCK_FILE) };
}

function otherProcess(): { pid: number; stop(): Promise<void> } {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  return {
    pid: child.pid!,
    stop: async () => {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

test('index refuses while another live process holds the library, and takes over a stale lock', async () => {
  const dir = await tempDir('lock');
  const other = otherProcess();
  const { core, library, lock } = await library3(dir.path);
  try {
    writeFileSync(
      lock,
      JSON.stringify({ pid: other.pid, host: hostname(), since: new Date().toISOString() }),
    );
    await assert.rejects(library.index(), (e: unknown) => {
      assert.ok(isUserError(e));
      assert.equal(e.code, 'library-busy');
      assert.match(e.message, new RegExp(`another Lookbook process \\(pid ${other.pid}`));
      return true;
    });
    assert.equal((await core.status()).photoCount, 0, 'nothing indexed while the other one runs');
    assert.ok(existsSync(lock), "the other process's lock is left alone");

    // The other process dies without cleaning up (killed): its lock is stale and taken over.
    await other.stop();
    const stats = await library.index();
    assert.equal(stats.encoded, 3);
    assert.equal(existsSync(lock), false, 'the lock is given back after the run');
  } finally {
    await other.stop();
    await core.close();
    await dir.cleanup();
  }
});

test('watching holds the lock until it stops', async () => {
  const dir = await tempDir('lock-watch');
  const { core, library, lock } = await library3(dir.path);
  try {
    await library.startWatching();
    assert.ok(existsSync(lock), 'held while watching');
    await library.index();
    assert.ok(existsSync(lock), 'still held after an index run while watching');
    await library.stopWatching();
    assert.equal(existsSync(lock), false);
  } finally {
    await core.close();
    await dir.cleanup();
  }
});
