import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createCoreApi } from '../../main/api/core-api.js';
import { openCore } from '../../main/core/open-core.js';
import { isUserError } from '../../main/errors.js';
import { INDEX_LOCK_FILE } from '../../main/library/index-lock.js';
import { systemFolderReason } from '../../main/library/system-folders.js';
import { tempDir } from './photo-fixtures.js';

// QA: `folders add /` was accepted and walked and watched the whole file system (1.7 GB in 90 s), and
// Ctrl+C did not stop the scan. System roots are refused with the reason; a signal stops a scan at once.

test('system roots and virtual file systems are refused, with the reason, on every platform', () => {
  for (const p of ['/', '/proc', '/proc/self', '/sys', '/dev', '/usr', '/etc']) {
    assert.ok(systemFolderReason(p, 'linux'), p);
  }
  assert.match(systemFolderReason('/', 'linux')!, /root of the file system/);
  assert.match(systemFolderReason('/proc/1', 'linux')!, /processes and devices/);
  for (const p of ['/home/me/Pictures', '/run/media/me/CARD', '/usr/share/backgrounds', '/tmp/x'])
    assert.equal(systemFolderReason(p, 'linux'), undefined, p);

  for (const p of ['C:\\', 'd:\\', 'C:\\Windows', 'c:\\windows', 'C:\\Program Files', '\\\\nas\\photos\\'])
    assert.ok(systemFolderReason(p, 'win32'), p);
  for (const p of ['C:\\Users\\me\\Pictures', 'D:\\Photos'])
    assert.equal(systemFolderReason(p, 'win32'), undefined, p);

  for (const p of ['/', '/System', '/system', '/Library', '/Volumes', '/private'])
    assert.ok(systemFolderReason(p, 'darwin'), p);
  for (const p of ['/Users/me/Pictures', '/Volumes/CARD'])
    assert.equal(systemFolderReason(p, 'darwin'), undefined, p);
});

test('`folders add /` is refused by the library, the API and the CLI, also through a link', async () => {
  const dir = await tempDir('system-folders');
  const dataDir = join(dir.path, 'data');
  const link = join(dir.path, 'everything');
  symlinkSync('/', link);
  const refused = (reason: RegExp) => (e: unknown) => {
    assert.ok(isUserError(e), String(e));
    assert.equal(e.code, 'system-folder');
    assert.match(e.message, reason);
    return true;
  };
  try {
    const core = await openCore({ dataDir });
    try {
      await assert.rejects(core.library.addFolder('/'), refused(/^\/ is the root of the file system/));
      await assert.rejects(core.library.addFolder('/proc'), refused(/processes and devices/));
      await assert.rejects(core.library.addFolder(link), refused(/leads to \/: .*root of the file system/));
      assert.deepEqual(await core.library.listFolders(), []);
    } finally {
      await core.close();
    }

    const api = await createCoreApi({ dataDir, model: 'demo', watch: false });
    try {
      await assert.rejects(api.handlers['folders.add']({ path: '/' }), refused(/root of the file system/));
    } finally {
      await api.close();
    }

    const cli = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'main/cli/cli.ts', '--data-dir', dataDir, 'folders', 'add', '/'],
      { encoding: 'utf8' },
    );
    assert.equal(cli.status, 1);
    assert.match(cli.stderr, /^lookbook: \/ is the root of the file system/);
    assert.doesNotMatch(cli.stderr, /\n\s+at /, 'no stack trace');
  } finally {
    await dir.cleanup();
  }
});

test('Ctrl+C during the scan of a big tree stops `lookbook index` promptly and gives the lock back', async () => {
  const dir = await tempDir('sigint');
  const root = join(dir.path, 'tree');
  // 60 000 small files: a scan that lasts long enough to be interrupted, even on a fast machine.
  for (let d = 0; d < 300; d++) {
    const sub = join(root, `d${d}`, 'deeper');
    mkdirSync(sub, { recursive: true });
    for (let f = 0; f < 200; f++) writeFileSync(join(sub, `f${f}.txt`), '');
  }
  const dataDir = join(dir.path, 'data');
  const lock = join(dataDir, INDEX_LOCK_FILE);
  const setup = await openCore({ dataDir });
  await setup.library.addFolder(root);
  await setup.close();
  try {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'main/cli/cli.ts', '--data-dir', dataDir, 'index'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // The lock is taken just before the scan starts.
    for (let i = 0; !existsSync(lock); i++) {
      if (i > 1200 || child.exitCode !== null) throw new Error(`the run never started:\n${output}`);
      await sleep(50);
    }
    await sleep(200);
    const signalled = Date.now();
    child.kill('SIGINT');
    const code = await exited;
    const seconds = (Date.now() - signalled) / 1000;
    // Generous: the bound is about a loaded CI machine, not about the second it takes here.
    assert.ok(seconds < 5, `stopped ${seconds.toFixed(1)} s after Ctrl+C`);
    assert.equal(code, 1, output);
    assert.match(output, /Ctrl\+C: stopping/);
    assert.match(output, /stopped; the next `lookbook index` goes on/);
    assert.doesNotMatch(output, /\n\s+at /, 'no stack trace');
    assert.equal(existsSync(lock), false, 'the lock is given back');
  } finally {
    await dir.cleanup();
  }
});
