// `lookbook` (bin/lookbook.js) runs the compiled core when it is built and up to date, and the
// TypeScript sources otherwise: a user gets the fast start, a developer never runs a stale build.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCompiledCore, compiledDir, isCompiledCoreFresh } from '../../scripts/compiled-core.mjs';
import { REPO } from '../engine/fixtures.js';

function lookbook(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [join(REPO, 'bin', 'lookbook.js'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '', ...env },
  });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

test('a build counts only when it is finished and newer than every source', async () => {
  const root = await mkdtemp(join(tmpdir(), 'lookbook-compiled-'));
  try {
    const cli = join(root, 'dist', 'electron', 'main', 'cli', 'cli.js');
    await mkdir(join(root, 'main', 'cli'), { recursive: true });
    await mkdir(join(cli, '..'), { recursive: true });
    await writeFile(join(root, 'main', 'cli', 'cli.ts'), '');
    await writeFile(cli, '');
    const at = (path: string, seconds: number) => utimes(path, seconds, seconds);
    await at(join(root, 'main', 'cli', 'cli.ts'), 1000);
    assert.equal(isCompiledCoreFresh(root), false, 'no stamp: an unfinished or interrupted build');
    const stamp = join(root, 'dist', 'electron', '.built');
    await writeFile(stamp, '');
    await at(stamp, 2000);
    assert.equal(isCompiledCoreFresh(root), true);
    await at(join(root, 'main', 'cli', 'cli.ts'), 3000);
    assert.equal(isCompiledCoreFresh(root), false, 'a source edited after the build');
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('lookbook runs the compiled core when it is up to date, the sources when it is not', async () => {
  if (!isCompiledCoreFresh(REPO)) assert.equal(buildCompiledCore(REPO), undefined);
  const dataDir = await mkdtemp(join(tmpdir(), 'lookbook-entry-'));
  const stamp = join(compiledDir(REPO), '.built');
  const built = statSync(stamp).mtime;
  try {
    assert.match(lookbook(['--version']), /^\d+\.\d+\.\d+ \(compiled\)$/);
    // A real command from the build: the library's state in a fresh data directory.
    const status = JSON.parse(lookbook(['--data-dir', dataDir, 'status', '--json'])) as {
      photoCount: number;
    };
    assert.equal(status.photoCount, 0);
    assert.match(lookbook(['--version'], { LOOKBOOK_FROM_SOURCES: '1' }), /\(from the TypeScript sources\)$/);
    // A build older than the sources (an edit, a `git pull`) is not used.
    await utimes(stamp, new Date(0), new Date(0));
    assert.match(lookbook(['--version']), /\(from the TypeScript sources\)$/);
  } finally {
    await utimes(stamp, built, built);
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('the compiled core serves the web mode: the interface and the API', async () => {
  // Found by the switch to the compiled build: the server looked for the interface next to the
  // compiled modules (dist/electron/dist/renderer) instead of in the repository.
  if (!isCompiledCoreFresh(REPO)) assert.equal(buildCompiledCore(REPO), undefined);
  const dataDir = await mkdtemp(join(tmpdir(), 'lookbook-entry-serve-'));
  const child = spawn(
    process.execPath,
    [join(REPO, 'bin', 'lookbook.js'), '--data-dir', dataDir, 'serve', '--port', '0', '--model', 'demo'],
    { env: { ...process.env, NODE_OPTIONS: '' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  try {
    const deadline = Date.now() + 60_000;
    let link: string | undefined;
    while (!(link = /(http:\/\/\S+\?token=\S+)/.exec(output)?.[1]) && Date.now() < deadline) {
      if (child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(link, `no link printed:\n${output}`);
    const url = new URL(link);
    const page = await fetch(url);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<title>Lookbook<\/title>/);
    const status = await fetch(new URL('/api/call/library.status', url), {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'X-Lookbook-Token': url.searchParams.get('token')!,
      },
      body: '{}',
    });
    assert.equal(status.status, 200);
    assert.equal(((await status.json()) as { result: { photoCount: number } }).result.photoCount, 0);
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('close', r));
    await rm(dataDir, { recursive: true, force: true });
  }
});
