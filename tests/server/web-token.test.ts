// The web mode's secret is kept per data directory (main/server/serve.ts), so that a page left open
// reconnects after `lookbook serve` starts again; it stays readable by its owner only.
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { webToken, webTokenPath } from '../../main/server/serve.js';

test('the web token survives a restart, is owner-only, and a damaged one is replaced', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'lookbook-token-'));
  try {
    const first = await webToken(dataDir);
    assert.ok(first.length >= 32);
    assert.equal(await webToken(dataDir), first, 'the same secret on the next start');
    if (process.platform !== 'win32') assert.equal((await stat(webTokenPath(dataDir))).mode & 0o777, 0o600);

    await writeFile(webTokenPath(dataDir), 'short');
    const replaced = await webToken(dataDir);
    assert.notEqual(replaced, 'short');
    assert.ok(replaced.length >= 32);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});
