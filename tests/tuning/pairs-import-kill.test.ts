import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { COLOURS, INVENTED, colourPhoto, tempDir, tsvLine } from './integration-fixtures.js';
import { contentIdOfBytes } from '../../main/media/content-id.js';

// `lookbook pairs import` killed with SIGKILL at several moments (while images are being copied, while
// they are indexed, while pairs are stored), then run again: every pair is there exactly once, and the
// dataset folder holds only whole images, each named by the hash of its bytes, and no temporary file.

const CLI = ['--import', 'tsx', 'main/cli/cli.ts'];

function lookbook(dataDir: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [...CLI, '--data-dir', dataDir, ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Builds `count` pairs of generated photos; returns the TSV's path and the expected (text, id) pairs. */
async function writeDataset(dir: string, perColour: number) {
  const lines: string[] = [];
  const expected = new Set<string>();
  for (const colour of COLOURS) {
    for (let seed = 0; seed < perColour; seed++) {
      const photo = await colourPhoto(colour, seed);
      const text = `a ${INVENTED[colour]} photo ${seed}`;
      lines.push(tsvLine(text, photo));
      expected.add(`${contentIdOfBytes(photo, 'blake3')}\t${text}`);
    }
  }
  const tsv = join(dir, 'pairs.tsv');
  await writeFile(tsv, `${lines.join('\n')}\n`);
  return { tsv, expected };
}

async function listing(dir: string): Promise<string[]> {
  return readdir(dir).catch(() => []);
}

/** Every file of the dataset folder is a whole image named by its hash; no temp file is left. */
async function assertWholeImages(folder: string): Promise<number> {
  const names = await listing(folder);
  for (const name of names) {
    assert.ok(!name.startsWith('.'), `no temporary file left: ${name}`);
    const bytes = await readFile(join(folder, name));
    assert.ok(bytes.length > 0, `${name} is not empty`);
    const id = contentIdOfBytes(bytes, 'blake3');
    assert.equal(name.replace(/\.[a-z]+$/, ''), id, `${name} holds the bytes its name says`);
  }
  return names.length;
}

function assertPairs(dataDir: string, expected: Set<string>) {
  const listed = lookbook(dataDir, 'pairs', 'list', '--json');
  assert.equal(listed.code, 0, listed.stderr);
  const rows = listed.stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { contentId: string; text: string });
  const seen = rows.map((r) => `${r.contentId}\t${r.text}`);
  assert.equal(new Set(seen).size, seen.length, 'no pair twice');
  assert.deepEqual(new Set(seen), expected, 'every pair present');
}

/**
 * Starts an import and kills it with SIGKILL once `when` says so (polled every few milliseconds), or
 * lets it finish if it ends first. Resolves with whether the kill landed.
 */
async function importKilledWhen(
  dataDir: string,
  tsv: string,
  when: (elapsedMs: number) => Promise<boolean>,
): Promise<boolean> {
  const child = spawn(process.execPath, [...CLI, '--data-dir', dataDir, 'pairs', 'import', tsv], {
    stdio: 'ignore',
  });
  let exited = false;
  const done = new Promise<void>((r) =>
    child.on('exit', () => {
      exited = true;
      r();
    }),
  );
  const start = Date.now();
  while (!exited) {
    if (await when(Date.now() - start)) {
      child.kill('SIGKILL');
      break;
    }
    await new Promise((r) => setTimeout(r, 3));
  }
  await done;
  return child.signalCode === 'SIGKILL';
}

test('pairs import killed at several moments, then run again: every pair once, only whole files', async () => {
  const dir = await tempDir('pairs-kill');
  try {
    const { tsv, expected } = await writeDataset(dir.path, 4); // 44 pairs
    const dataDir = join(dir.path, 'data');
    const folder = join(dataDir, 'imported', 'pairs');
    const images = async () => (await listing(folder)).filter((n) => !n.startsWith('.')).length;
    const moments: [string, (ms: number) => Promise<boolean>][] = [
      ['while starting', async (ms) => ms > 400],
      ['as the first image appears', async () => (await images()) >= 1],
      ['with a third of the images copied', async () => (await images()) >= 15],
      ['with all images copied', async () => (await images()) >= 44],
      ['while indexing', async () => (await images()) >= 44 && existsSync(join(dataDir, 'db'))],
      ['after a few seconds more', async (ms) => ms > 9000],
    ];
    let kills = 0;
    for (const [moment, when] of moments) {
      if (await importKilledWhen(dataDir, tsv, when)) kills++;
      await assertWholeImagesOrLeftovers(folder, moment);
    }
    assert.ok(kills >= 3, `at least three runs were killed mid-way (${kills})`);

    const again = lookbook(dataDir, 'pairs', 'import', tsv);
    assert.equal(again.code, 0, again.stderr);
    assert.doesNotMatch(again.stderr, /empty/);
    assert.equal(await assertWholeImages(folder), 44);
    assertPairs(dataDir, expected);
  } finally {
    await dir.cleanup();
  }
});

test('a re-import repairs an empty or damaged copy left by an earlier run', async () => {
  const dir = await tempDir('pairs-repair');
  try {
    const { tsv, expected } = await writeDataset(dir.path, 1); // 11 pairs
    const dataDir = join(dir.path, 'data');
    const folder = join(dataDir, 'imported', 'pairs');
    await mkdir(folder, { recursive: true });
    // What a run killed in the middle of writing an image in place used to leave: an empty file and a
    // truncated one under the content-id names of two of the photos.
    const [empty, cut] = [await colourPhoto(COLOURS[0]!, 0), await colourPhoto(COLOURS[1]!, 0)];
    const idOf = (b: Buffer) => contentIdOfBytes(b, 'blake3');
    await writeFile(join(folder, `${idOf(empty)}.jpg`), '');
    await writeFile(join(folder, `${idOf(cut)}.jpg`), cut.subarray(0, cut.length >> 1));

    const first = lookbook(dataDir, 'pairs', 'import', tsv);
    assert.equal(first.code, 0, first.stderr);
    assert.doesNotMatch(first.stderr, /empty|could not index/);
    assert.match(first.stdout, /Imported 11 pairs/);
    assert.equal(await assertWholeImages(folder), 11);
    assertPairs(dataDir, expected);
  } finally {
    await dir.cleanup();
  }
});

/**
 * Between kills: a killed run may leave its own temp files (swept by the next start), but every file
 * under a final name is whole.
 */
async function assertWholeImagesOrLeftovers(folder: string, moment: string): Promise<void> {
  for (const name of await listing(folder)) {
    if (name.startsWith('.')) {
      assert.match(name, /^\..+\.\d+\.[0-9a-f]{8}\.tmp$/, `${moment}: only Lookbook's temp names`);
      continue;
    }
    const bytes = await readFile(join(folder, name));
    const id = contentIdOfBytes(bytes, 'blake3');
    assert.equal(name.replace(/\.[a-z]+$/, ''), id, `${moment}: ${name} is whole`);
  }
}
