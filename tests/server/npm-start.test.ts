// `npm start` on a machine where Electron's binary cannot be downloaded (no network): it must say so
// in words and start the web mode instead, which then really serves the interface.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const hasElectron = existsSync(join('node_modules', 'electron', 'path.txt'));

test(
  'npm start falls back to the web mode with a clear message when Electron cannot be downloaded',
  {
    skip: hasElectron ? 'an Electron binary is installed here: npm start would open the desktop app' : false,
  },
  async () => {
    const tmp = await mkdtemp(join(tmpdir(), 'lookbook-start-'));
    // An unreachable mirror makes the download fail fast, also on a machine with network.
    const env = { ...process.env, ELECTRON_MIRROR: 'http://127.0.0.1:9/' };
    const child = spawn(process.execPath, ['scripts/start.mjs', '--port', '0', '--data-dir', tmp], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    try {
      const url = await new Promise<URL>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no link printed:\n${output}`)), 120_000);
        const check = () => {
          const m = /(http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/.exec(output);
          if (m) {
            clearTimeout(timer);
            resolve(new URL(m[1]!));
          }
        };
        child.stdout.on('data', check);
        child.stderr.on('data', check);
        child.on('exit', (code) => reject(new Error(`npm start exited (${code}):\n${output}`)));
      });
      assert.match(output, /desktop app needs Electron's binary, which could not be downloaded/);
      assert.match(output, /Starting the web mode instead/);
      const page = await fetch(url);
      assert.equal(page.status, 200);
      assert.match(await page.text(), /<div id="root"|Lookbook/);
    } finally {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGINT');
        await exited;
      }
      await rm(tmp, { recursive: true, force: true });
    }
  },
);
