// A library with more folders than Linux's inotify limit (fs.inotify.max_user_watches) cannot watch
// them all. The watcher then watches as many folders as it can and rescans the others periodically; the
// person must get one sentence, once, that says how many folders are not watched, what that means, and
// how to raise the limit, and the interface must stop promising that changes are picked up at once. The limit is real: the library runs in a user namespace
// whose own inotify limit is lowered (/proc/sys/user/max_inotify_watches), which leaves the machine's
// limit alone.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { chromiumMissing, openBrowser, screenshot } from '../../e2e/support/browser.js';
import { REPO } from '../engine/fixtures.js';
import { tempDir, writePhoto } from './photo-fixtures.js';

const FOLDERS = 40;
const LIMIT = 20;

const probe = spawnSync(
  'unshare',
  ['--user', '--map-root-user', 'sh', '-c', `echo ${LIMIT} > /proc/sys/user/max_inotify_watches`],
  { encoding: 'utf8' },
);
const skip =
  probe.status === 0
    ? false
    : `cannot lower the inotify limit in a user namespace here (${(probe.stderr || String(probe.error)).trim()})`;

/** The JSON objects a child printed, one a line. */
function jsonLines(stdout: string): Record<string, unknown>[] {
  return stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/**
 * Starts a command with the inotify limit lowered for it alone. `until` is checked on each output and
 * stops the command (SIGTERM, as Ctrl+C would) once it holds; `stop` does the same from outside.
 */
function limited(args: string[], until?: (stdout: string, stderr: string) => boolean) {
  const child = spawn(
    'unshare',
    [
      '--user',
      '--map-root-user',
      'sh',
      '-c',
      `echo ${LIMIT} > /proc/sys/user/max_inotify_watches && exec "$@"`,
      'sh',
      process.execPath,
      '--import',
      'tsx',
      ...args,
    ],
    { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const output = { stdout: '', stderr: '' };
  const check = () => {
    if (until?.(output.stdout, output.stderr)) child.kill('SIGTERM');
  };
  child.stdout.on('data', (c: Buffer) => ((output.stdout += c.toString()), check()));
  child.stderr.on('data', (c: Buffer) => ((output.stderr += c.toString()), check()));
  const done = new Promise<{ stdout: string; stderr: string; code: number | null }>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`timed out:\n${output.stdout}\n${output.stderr}`));
    }, 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ ...output, code });
    });
  });
  return { output, done, stop: () => child.kill('SIGTERM') };
}

describe('more folders than the system lets Lookbook watch', { skip }, () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let root: string;

  before(async () => {
    dir = await tempDir('watch-limit');
    root = join(dir.path, 'photos');
    for (let i = 0; i < FOLDERS; i++)
      await mkdir(join(root, `album-${String(i).padStart(2, '0')}`), { recursive: true });
    await writePhoto({ path: join(root, 'album-00', 'blue.jpg'), colour: 'blue', seed: 1 });
  });

  after(async () => {
    await dir?.cleanup();
  });

  it('the library says how many folders are not watched and how to fix it, and keeps watching the rest', async () => {
    const run = await limited([
      join('tests', 'library', 'support', 'watch-limit-child.ts'),
      join(dir.path, 'data-library'),
      root,
    ]).done;
    assert.equal(run.code, 0, run.stderr);
    const lines = jsonLines(run.stdout);
    const warning = String(lines.find((l) => 'atStart' in l)?.atStart);
    const unwatched = Number(/Not watching (\d+) folders/.exec(warning)?.[1]);
    // The top folder and each album take a watch each: 41 watches against a limit of 20.
    assert.ok(unwatched >= FOLDERS + 1 - LIMIT && unwatched <= FOLDERS, warning);
    assert.match(warning, /found at the next rescan/);
    assert.match(warning, /sudo sysctl fs\.inotify\.max_user_watches=\d+/);
    assert.equal(lines.find((l) => 'indexedWhileWatching' in l)?.indexedWhileWatching, 1);
    assert.equal(lines.find((l) => 'afterStop' in l)?.afterStop, null);
  });

  it('a photo added to and removed from an unwatched folder is found by the rescan; the notice is said once', async () => {
    const run = await limited([
      join('tests', 'library', 'support', 'watch-rescan-child.ts'),
      join(dir.path, 'data-rescan'),
      root,
    ]).done;
    assert.equal(run.code, 0, run.stderr);
    const lines = jsonLines(run.stdout);
    const get = (key: string) => lines.find((l) => key in l)?.[key];
    // One of the albums past the limit (the top folder and the first albums are watched).
    assert.match(String(get('unwatched')), /album-\d\d$/);
    assert.equal(get('added'), 1, run.stdout);
    assert.equal(get('removed'), true, run.stdout);
    assert.equal(get('notices'), 1, run.stdout);
  });

  it('`lookbook index --watch` prints that warning once, on stderr', async () => {
    const run = await limited([
      'main/cli/cli.ts',
      '--data-dir',
      join(dir.path, 'data-cli'),
      'folders',
      'add',
      root,
    ]).done;
    assert.equal(run.code, 0, run.stderr);
    const watching = await limited(
      ['main/cli/cli.ts', '--data-dir', join(dir.path, 'data-cli'), 'index', '--watch'],
      (stdout, stderr) => stdout.includes('Watching for changes') && /Not watching/.test(stderr),
    ).done;
    assert.match(watching.stdout, /Watching for changes/);
    assert.equal(watching.stderr.match(/Not watching \d+ folders/g)?.length, 1, watching.stderr);
    assert.match(watching.stderr, /fs\.inotify\.max_user_watches/);
  });

  it(
    'the interface shows the warning instead of promising that changes are picked up',
    {
      skip: chromiumMissing(),
    },
    async () => {
      // The library of the previous test (its folder is added and indexed), served to a browser.
      const serving = limited([
        'main/cli/cli.ts',
        '--data-dir',
        join(dir.path, 'data-cli'),
        'serve',
        '--port',
        '0',
      ]);
      const browser = await openBrowser();
      try {
        const deadline = Date.now() + 30_000;
        let link: string | undefined;
        while (
          !(link = /(http:\/\/\S+\?token=\S+)/.exec(serving.output.stdout)?.[1]) &&
          Date.now() < deadline
        )
          await new Promise((r) => setTimeout(r, 100));
        assert.ok(link, `serve printed its link:\n${serving.output.stderr}`);
        const { page } = browser;
        await page.goto(link);
        await page.getByRole('navigation').getByRole('button', { name: 'Library' }).click();
        const warning = page.getByTestId('watch-warning');
        await warning.waitFor();
        assert.match((await warning.textContent()) ?? '', /Not watching \d+ folders .*max_user_watches/);
        assert.equal(await page.getByText('New and changed photos are picked up automatically.').count(), 0);
        await screenshot(page, 'watch-limit');
      } finally {
        await browser.close();
        serving.stop();
        await serving.done;
      }
    },
  );
});
