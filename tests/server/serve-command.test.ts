// `lookbook serve` as a person runs it: a child process that prints a link with a token, serves the
// interface and the API on 127.0.0.1, and stops cleanly on Ctrl+C.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

describe('lookbook serve', () => {
  let tmp: string;
  let child: ChildProcess;
  let output = '';
  let url: URL;

  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'lookbook-serve-'));
    child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'main/cli/cli.ts',
        '--data-dir',
        join(tmp, 'data'),
        'serve',
        '--port',
        '0',
        '--model',
        'demo',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
    url = await new Promise<URL>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no link printed:\n${output}`)), 60_000);
      const check = () => {
        const m = /(http:\/\/\S+\?token=\S+)/.exec(output);
        if (m) {
          clearTimeout(timer);
          resolve(new URL(m[1]!));
        }
      };
      child.stdout!.on('data', check);
      child.on('exit', (code) => reject(new Error(`serve exited (${code}):\n${output}`)));
    });
  });

  after(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('prints a link on 127.0.0.1 with a fresh secret token', () => {
    assert.equal(url.hostname, '127.0.0.1');
    assert.ok((url.searchParams.get('token') ?? '').length >= 24);
    assert.match(output, /do not share it/);
  });

  it('serves the interface and answers the API with the token', async () => {
    const page = await fetch(url);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'self'/);
    assert.match(await page.text(), /<div id="root">/);
    const status = await fetch(new URL('/api/call/library.status', url), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Lookbook-Token': url.searchParams.get('token')! },
      body: '{}',
    });
    assert.equal(status.status, 200);
    const body = (await status.json()) as { result: { model: { isDemo: boolean } } };
    assert.equal(body.result.model.isDemo, true);
  });

  it('stops cleanly on Ctrl+C', async () => {
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGINT');
    assert.equal(await exited, 0);
    assert.match(output, /Stopping/);
  });
});
