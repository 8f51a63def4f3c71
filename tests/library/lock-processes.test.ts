import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createCoreApi } from '../../main/api/core-api.js';
import { openCore } from '../../main/core/open-core.js';
import { INDEX_LOCK_FILE } from '../../main/library/index-lock.js';
import { tempDir, writePhoto } from './photo-fixtures.js';

// Two processes on one library (QA): `lookbook index` beside an idle `lookbook serve` invited deleting
// the server's lock; a `serve` started during a CLI `index` never watched the folders; a second `serve`
// started anyway. Now the lock says who holds it, a dead holder's lock is taken over, a server waits for
// a busy library and then watches it, and a second server is refused.

const CLI = ['--import', 'tsx', 'main/cli/cli.ts'];

async function until<T>(what: string, fn: () => T | undefined | Promise<T | undefined>, ms = 60_000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

function serve(dataDir: string): {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
} {
  const child = spawn(
    process.execPath,
    [...CLI, '--data-dir', dataDir, 'serve', '--port', '0', '--model', 'demo'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

test('`index` beside an idle `serve` names it (no advice to delete its lock); a second `serve` is refused; a killed one is taken over', async () => {
  const dir = await tempDir('two-processes');
  const root = join(dir.path, 'photos');
  await writePhoto({ path: join(root, 'red.jpg'), colour: 'red', seed: 1 });
  const dataDir = join(dir.path, 'data');
  const lock = join(dataDir, INDEX_LOCK_FILE);
  const setup = await openCore({ dataDir });
  await setup.library.addFolder(root);
  await setup.close();
  const first = serve(dataDir);
  try {
    await until('the server to watch the library', () => {
      if (first.child.exitCode !== null) throw new Error(`serve exited:\n${first.output()}`);
      return existsSync(lock) && /\?token=/.test(first.output()) && JSON.parse(readFileSync(lock, 'utf8'));
    });
    const held = JSON.parse(readFileSync(lock, 'utf8')) as {
      pid: number;
      command: string;
      watching: boolean;
    };
    assert.equal(held.pid, first.child.pid);
    assert.equal(held.command, 'lookbook serve --port 0 --model demo');
    assert.equal(held.watching, true);

    const index = spawnSync(process.execPath, [...CLI, '--data-dir', dataDir, 'index'], { encoding: 'utf8' });
    assert.equal(index.status, 1);
    assert.match(
      index.stderr,
      new RegExp(`\`lookbook serve --port 0 --model demo\` \\(pid ${first.child.pid}, since`),
    );
    assert.match(index.stderr, /watches its folders/);
    assert.doesNotMatch(index.stderr, /delete/i, 'never suggests deleting a live process’s lock');
    assert.doesNotMatch(index.stderr, /\n\s+at /, 'no stack trace');

    const second = serve(dataDir);
    const code = await Promise.race([second.exited, sleep(60_000).then(() => 'still running')]);
    if (code === 'still running') second.child.kill('SIGKILL');
    assert.equal(code, 1, second.output());
    assert.match(second.output(), /already open in `lookbook serve --port 0 --model demo` \(pid \d+/);
    assert.doesNotMatch(second.output(), /token=/, 'the second server does not start');
    assert.doesNotMatch(second.output(), /\n\s+at /, 'no stack trace');

    // Killed: its lock stays behind, and the next run takes it over by itself.
    first.child.kill('SIGKILL');
    await first.exited;
    assert.ok(existsSync(lock), 'a killed server leaves its lock');
    const after = spawnSync(process.execPath, [...CLI, '--data-dir', dataDir, 'index'], { encoding: 'utf8' });
    assert.equal(after.status, 0, after.stderr);
    assert.equal(existsSync(lock), false, 'taken over, then given back');
  } finally {
    if (first.child.exitCode === null) first.child.kill('SIGKILL');
    await dir.cleanup();
  }
});

test('a server started while `lookbook index` holds the library waits, then watches it once free', async () => {
  const dir = await tempDir('wait-for-lock');
  const root = join(dir.path, 'photos');
  await writePhoto({ path: join(root, 'red.jpg'), colour: 'red', seed: 1 });
  const dataDir = join(dir.path, 'data');
  const setup = await openCore({ dataDir });
  await setup.library.addFolder(root);
  await setup.close();
  // Stands for a `lookbook index` run in another process.
  const other = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  const otherExited = new Promise((resolve) => other.on('exit', resolve));
  writeFileSync(
    join(dataDir, INDEX_LOCK_FILE),
    JSON.stringify({
      pid: other.pid,
      host: hostname(),
      since: new Date().toISOString(),
      command: 'lookbook index',
      watching: false,
    }),
  );
  const api = await createCoreApi({ dataDir, model: 'demo' });
  try {
    const status = () => api.handlers['library.status']({});
    await until(
      'the waiting message',
      async () =>
        (await status()).indexing.message === `waiting for lookbook index (pid ${other.pid}) to finish`,
    );
    assert.equal((await status()).photoCount, 0, 'nothing indexed while the other process holds it');

    other.kill('SIGKILL');
    await otherExited;
    await until('the first index', async () => (await status()).photoCount === 1);
    const lock = JSON.parse(readFileSync(join(dataDir, INDEX_LOCK_FILE), 'utf8')) as { pid: number };
    assert.equal(lock.pid, process.pid, 'the server took the lock over for watching');
    // The watcher starts right after the first index; a moment for it to be ready.
    await sleep(3000);
    await writePhoto({ path: join(root, 'blue.jpg'), colour: 'blue', seed: 2 });
    await until('the new photo to be indexed', async () => (await status()).photoCount === 2);
  } finally {
    other.kill('SIGKILL');
    await api.close();
    await dir.cleanup();
  }
});
