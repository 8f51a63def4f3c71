import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { readSettings, updateSettings } from '../../main/host/settings.js';
import { openLibraryStore } from '../../main/store/library-store.js';
import { tempDir, writePhoto, type Colour } from './photo-fixtures.js';

// `lookbook index` killed with SIGKILL in the middle of a run, then run again: the second run finishes
// the job, with no duplicate row and no photo lost.

const COUNT = 480;
const COLOURS: Colour[] = ['red', 'green', 'blue', 'yellow'];

function runIndex(dataDir: string): {
  done: Promise<{ code: number | null; signal: string | null; output: string }>;
  kill(): void;
} {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'main/cli/cli.ts', '--data-dir', dataDir, 'index'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const done = new Promise<{ code: number | null; signal: string | null; output: string }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, output })),
  );
  return { done, kill: () => child.kill('SIGKILL') };
}

test('killing `lookbook index` mid-way and running it again loses nothing and duplicates nothing', async () => {
  const dir = await tempDir('kill');
  try {
    const root = join(dir.path, 'photos');
    const dataDir = join(dir.path, 'data');
    for (let i = 0; i < COUNT; i++) {
      await writePhoto({
        path: join(root, `p${String(i).padStart(3, '0')}.jpg`),
        colour: COLOURS[i % 4]!,
        seed: i,
        size: 16,
      });
    }
    updateSettings(dataDir, (s) => {
      s.folders = [{ path: root, excluded: [], patterns: [] }];
    });

    const first = runIndex(dataDir);
    const store = await openLibraryStore(dataDir).catch(async () => {
      // The child may not have created the tables yet.
      await new Promise((r) => setTimeout(r, 1000));
      return openLibraryStore(dataDir);
    });
    // Rows are stored relative to the folder's root (see [Note: roots]): this store, opened beside the
    // library, maps roots as the data directory does (the child gives the folder its root when it opens).
    store.useRootPaths(
      () => new Map((readSettings(dataDir).folders ?? []).flatMap((f) => (f.root ? [[f.root, f.path]] : []))),
    );
    let atKill = 0;
    const deadline = Date.now() + 60_000;
    for (;;) {
      atKill = (await store.allFiles()).length;
      if (atKill >= 10 || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    first.kill();
    const killed = await first.done;
    assert.equal(killed.signal, 'SIGKILL', `the first run ended before it was killed: ${killed.output}`);
    const afterKill = (await store.allFiles()).length;
    assert.ok(afterKill < COUNT, `killed mid-way (${afterKill} of ${COUNT} done)`);

    const second = await runIndex(dataDir).done;
    assert.equal(second.code, 0, second.output);

    const files = await store.allFiles();
    assert.equal(files.length, COUNT, 'every photo has exactly one row');
    assert.equal(new Set(files.map((f) => f.path)).size, COUNT);
    assert.ok(files.every((f) => f.status === 'indexed' && f.contentId));
    assert.equal(await store.countContents(), COUNT);
    assert.equal(await store.countVectors('demo'), COUNT);
    // The second run encoded only what the first had not finished.
    const encodedAgain = Number(/Indexed: (\d+) new/.exec(second.output)?.[1]);
    assert.ok(
      encodedAgain <= COUNT - afterKill + 32,
      `re-encoded ${encodedAgain} after ${afterKill} were done`,
    );
    store.close();
  } finally {
    await dir.cleanup();
  }
});
