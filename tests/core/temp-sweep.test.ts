import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openCore } from '../../main/core/open-core.js';
import { sweepTempFiles, tempNameOwner, tempPathFor, writeFileAtomic } from '../../main/temp-files.js';
import { tempDir } from '../tuning/integration-fixtures.js';

// Temporary files a killed run left behind (see [Note: temporary files]) are removed at the next start;
// work in progress of a live process, and anything that is not one of Lookbook's temp names, is not.

/** A pid that certainly ran and has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((r) => child.on('exit', r));
  return child.pid!;
}

/** A process that stays alive until stopped: its temp files look like work in progress. */
function livePid(): { pid: number; stop(): void } {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
  return { pid: child.pid!, stop: () => child.kill('SIGKILL') };
}

const tempName = (target: string, pid: number) => `.${target}.${pid}.0123abcd.tmp`;

test('temp names: one shape, recognised with the pid that wrote them', () => {
  const p = tempPathFor('/data/thumbnails/ab/abcdef.webp');
  assert.match(p, /^\/data\/thumbnails\/ab\/\.abcdef\.webp\.\d+\.[0-9a-f]{8}\.tmp$/);
  assert.equal(tempNameOwner(p.split('/').pop()!), process.pid);
  for (const other of ['abcdef.webp', '.abcdef.webp.tmp', 'notes.123.0123abcd.tmp', '.x.12.0123ABCD.tmp'])
    assert.equal(tempNameOwner(other), undefined, other);
});

test('writeFileAtomic leaves the target whole and no temporary file', async () => {
  const dir = await tempDir('atomic');
  try {
    const target = join(dir.path, 'a.json');
    await writeFileAtomic(target, 'one');
    await writeFileAtomic(target, 'two');
    assert.deepEqual(await readdir(dir.path), ['a.json']);
  } finally {
    await dir.cleanup();
  }
});

test('the sweep removes leftovers of dead or long-silent writers and keeps everything else', async () => {
  const dir = await tempDir('sweep');
  const live = livePid();
  try {
    const dead = await deadPid();
    const sub = join(dir.path, 'thumbnails', 'ab');
    await mkdir(sub, { recursive: true });
    const files = {
      deadFile: join(sub, tempName('ab01.webp', dead)),
      deadFolder: join(dir.path, tempName('m-import', dead)),
      liveFresh: join(sub, tempName('ab02.webp', live.pid)),
      liveStale: join(sub, tempName('ab03.webp', live.pid)),
      liveFolder: join(dir.path, tempName('m2-import', live.pid)),
      ours: join(sub, tempName('ab04.webp', process.pid)),
      photo: join(sub, 'ab05.webp'),
      userTmp: join(sub, 'draft.tmp'),
      hidden: join(sub, '.ab06.webp.tmp'),
    };
    for (const [key, path] of Object.entries(files)) {
      if (key.endsWith('Folder')) {
        await mkdir(path);
        await writeFile(join(path, 'model.onnx'), 'x');
      } else await writeFile(path, 'x');
    }
    const old = new Date(Date.now() - 5 * 60_000);
    await utimes(files.liveStale, old, old);
    await utimes(files.liveFolder, old, old);

    const removed = await sweepTempFiles([dir.path]);
    assert.deepEqual(removed.sort(), [files.deadFile, files.deadFolder, files.liveStale].sort());
    for (const key of ['liveFresh', 'liveFolder', 'ours', 'photo', 'userTmp', 'hidden'] as const)
      assert.ok(existsSync(files[key]), `${key} is kept`);
  } finally {
    live.stop();
    await dir.cleanup();
  }
});

test('opening the library sweeps a leftover temp file and keeps a live-looking one', async () => {
  const dir = await tempDir('sweep-open');
  const live = livePid();
  try {
    const dataDir = join(dir.path, 'data');
    const thumbs = join(dataDir, 'thumbnails', 'cd');
    const imported = join(dataDir, 'imported', 'pairs');
    await mkdir(thumbs, { recursive: true });
    await mkdir(imported, { recursive: true });
    const dead = await deadPid();
    const leftoverThumb = join(thumbs, tempName('cd01.webp', dead));
    const leftoverImage = join(imported, tempName('ef02.jpg', dead));
    const leftoverSettings = join(dataDir, tempName('settings.json', dead));
    const inProgress = join(thumbs, tempName('cd03.webp', live.pid));
    for (const p of [leftoverThumb, leftoverImage, leftoverSettings, inProgress]) await writeFile(p, '');

    const core = await openCore({ dataDir });
    await core.close();

    for (const p of [leftoverThumb, leftoverImage, leftoverSettings]) assert.ok(!existsSync(p), `${p} swept`);
    assert.ok(existsSync(inProgress), 'a live process’s temp file is kept');
  } finally {
    live.stop();
    await dir.cleanup();
  }
});
