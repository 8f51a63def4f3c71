import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { errorBody } from '../../main/api/dispatch.js';
import { describeError, diskFullMessage, isDiskFull } from '../../main/errors.js';
import { tempDir, writePhoto, type Colour } from './photo-fixtures.js';

// A full disk (see [Note: disk full]) is said in words, with where and how much is free, and loses
// nothing: the photos indexed before stay, and a re-run once there is space finishes the job.

// What LanceDB threw when a tmpfs data directory filled up during `lookbook index` (LanceDB 0.2x,
// lance-file 8.0.0), as the CLI used to print it after "unexpected error: ".
const LANCE_ENOSPC =
  'Failed to execute merge insert: GenericFailure, lance error: LanceError(IO): No space left on device ' +
  '(os error 28), /usr/local/cargo/registry/src/index.crates.io-1949cf8c6b5b557f/lance-file-8.0.0/src/' +
  'writer.rs:389:9  Caused by: LanceError(IO): No space left on device (os error 28), /usr/local/cargo/' +
  'registry/src/index.crates.io-1949cf8c6b5b557f/lance-file-8.0.0/src/writer.rs:389:9    Caused by: No ' +
  'space left on device (os error 28)';

test('a full disk is recognised in LanceDB’s words and in Node’s, and said plainly', () => {
  const lance = new Error(LANCE_ENOSPC);
  const node = Object.assign(new Error('ENOSPC: no space left on device, write'), {
    code: 'ENOSPC',
    path: '/tmp/x/thumbnails/ab/ab.webp',
  });
  const watchLimit = Object.assign(new Error('ENOSPC: System limit for number of file watchers reached'), {
    code: 'ENOSPC',
    syscall: 'watch',
  });
  assert.ok(isDiskFull(lance));
  assert.ok(isDiskFull(node));
  assert.ok(isDiskFull(new Error('indexing failed', { cause: lance })));
  assert.ok(!isDiskFull(watchLimit), 'too many watched folders is not a full disk');
  assert.ok(!isDiskFull(new Error('Failed to execute merge insert: something else')));

  const message = diskFullMessage(lance, '/tmp');
  assert.match(message, /^the disk holding the data directory \/tmp is full, [0-9.]+ [KMGT]?B(ytes)? free\./);
  assert.match(message, /Nothing was lost/);
  assert.match(diskFullMessage(node, '/tmp'), /the disk holding \/tmp\/x\/thumbnails\/ab\/ab\.webp is full/);
  for (const text of [message, describeError(lance)]) assert.doesNotMatch(text, /\.rs:|cargo|os error/);

  const api = errorBody(lance, '/tmp');
  assert.equal(api.status, 507);
  assert.equal(api.body.error.code, 'disk-full');
  assert.equal(api.body.error.message, message);
});

function lookbook(dataDir: string, ...args: string[]) {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'main/cli/cli.ts', '--data-dir', dataDir, ...args],
    { encoding: 'utf8' },
  );
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const run = (cmd: string, ...args: string[]) => spawnSync(cmd, args, { encoding: 'utf8' });

async function photos(root: string, prefix: string, count: number, seed: number): Promise<void> {
  const colours: Colour[] = ['red', 'green', 'blue', 'yellow'];
  for (let i = 0; i < count; i++)
    await writePhoto({
      path: join(root, `${prefix}${i}.jpg`),
      colour: colours[i % 4]!,
      seed: seed + i,
      size: 64,
    });
}

function indexedCount(dataDir: string): number {
  const status = lookbook(dataDir, 'status', '--json');
  assert.equal(status.code, 0, status.stderr);
  return (JSON.parse(status.stdout) as { files: { indexed: number } }).files.indexed;
}

test('a data directory on a full disk: plain message, nothing lost, a re-run completes', async (t) => {
  const dir = await tempDir('disk-full');
  const dataDir = join(dir.path, 'data');
  await mkdir(dataDir);
  // A real small file system: tmpfs needs root (CI runs as root) and a kernel that allows the mount.
  const mounted = run('mount', '-t', 'tmpfs', '-o', 'size=3m', 'tmpfs', dataDir);
  if (mounted.status !== 0) {
    await dir.cleanup();
    t.skip(`cannot mount a small tmpfs here (${(mounted.stderr || mounted.error?.message || '').trim()})`);
    return;
  }
  try {
    const before = join(dir.path, 'before');
    const more = join(dir.path, 'more');
    await photos(before, 'a', 80, 0);
    await photos(more, 'b', 500, 1000);
    assert.equal(lookbook(dataDir, 'folders', 'add', before).code, 0);
    const first = lookbook(dataDir, 'index');
    assert.equal(first.code, 0, first.stderr);
    assert.equal(indexedCount(dataDir), 80);

    assert.equal(lookbook(dataDir, 'folders', 'add', more).code, 0);
    const full = lookbook(dataDir, 'index');
    assert.equal(full.code, 1, 'the run fails: the disk is full');
    assert.match(
      full.stderr,
      new RegExp(
        `lookbook: the disk holding the data directory ${dataDir} is full, .* free\\. Nothing was lost`,
      ),
    );
    assert.doesNotMatch(full.stderr, /unexpected error|\.rs:|cargo|os error 28|\n\s+at /);

    // Nothing lost: the photos indexed before are all there and searchable.
    assert.ok(run('mount', '-o', 'remount,size=64m', dataDir).status === 0, 'space freed');
    const partial = indexedCount(dataDir);
    assert.ok(partial >= 80, `photos indexed before are kept (${partial})`);
    const search = lookbook(dataDir, 'search', 'red', '--json');
    assert.equal(search.code, 0, search.stderr);
    assert.ok(search.stdout.trim().split('\n').length > 0);

    const again = lookbook(dataDir, 'index');
    assert.equal(again.code, 0, again.stderr);
    assert.equal(indexedCount(dataDir), 580, 'the re-run finishes every photo');
  } finally {
    if (run('umount', dataDir).status !== 0) run('umount', '-l', dataDir);
    await dir.cleanup();
  }
});
