// `lookbook serve --open` prints the link and hands it to the browser opener. The opener is replaced
// (LOOKBOOK_BROWSER) by a script that writes down what it was given, so no browser starts in a test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

test(
  'serve --open prints the link and opens that same link',
  { skip: process.platform === 'win32' },
  async () => {
    const tmp = await mkdtemp(join(tmpdir(), 'lookbook-open-'));
    const opened = join(tmp, 'opened.txt');
    const browser = join(tmp, 'browser.sh');
    await writeFile(browser, `#!/bin/sh\nprintf '%s' "$1" > '${opened}'\n`);
    await chmod(browser, 0o755);
    const child = spawn(
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
        '--open',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LOOKBOOK_BROWSER: browser } },
    );
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    try {
      const deadline = Date.now() + 60_000;
      let link: string | undefined;
      let got = '';
      while (Date.now() < deadline) {
        link ??= /(http:\/\/\S+\?token=\S+)/.exec(output)?.[1];
        got = await readFile(opened, 'utf8').catch(() => '');
        if (link && got) break;
        if (child.exitCode !== null) assert.fail(`serve exited:\n${output}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.ok(link, `a link is printed:\n${output}`);
      assert.equal(got, link, 'the browser was given the printed link');
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGINT');
      await exited;
      await rm(tmp, { recursive: true, force: true });
    }
  },
);
