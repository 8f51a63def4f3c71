// The tagging commands. Most run in-process (same commander program, output captured) to keep the file
// fast; one child process checks what a person sees for bad input: one clear line, exit code 1.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Command } from 'commander';
import { registerTaggingCommands } from '../../main/cli/commands/tagging-commands.js';
import { openCore } from '../../main/core/open-core.js';
import { tempDir, writeColourPhoto } from './colour-photos.js';

let tmp: { path: string; cleanup(): Promise<void> };
let dataDir: string;
let photos: string;

async function lookbook(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const program = new Command('lookbook').option('--data-dir <dir>').exitOverride();
  registerTaggingCommands(program, { out: (l) => (stdout += `${l}\n`), err: (l) => (stderr += `${l}\n`) });
  await program.parseAsync(['--data-dir', dataDir, ...args], { from: 'user' });
  return { stdout, stderr };
}

async function json<T>(...args: string[]): Promise<T> {
  return JSON.parse((await lookbook(...args, '--json')).stdout) as T;
}

/** A listing command's --json output: one object per line. */
async function jsonLines<T>(...args: string[]): Promise<T[]> {
  const { stdout } = await lookbook(...args, '--json');
  assert.ok(stdout.endsWith('\n'));
  return stdout
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as T);
}

before(async () => {
  tmp = await tempDir('tagging-cli');
  dataDir = join(tmp.path, 'data');
  photos = join(tmp.path, 'photos');
  await writeColourPhoto(join(photos, 'red.jpg'), 'red', { seed: 1 });
  await writeColourPhoto(join(photos, 'blue.jpg'), 'blue', { seed: 2 });
  await writeColourPhoto(join(photos, 'purple.jpg'), 'purple', { seed: 3 });
  // An identical copy of blue.jpg in another library folder: one photo, two paths.
  await mkdir(join(tmp.path, 'copies'));
  await copyFile(join(photos, 'blue.jpg'), join(tmp.path, 'copies', 'blue-copy.jpg'));
  const core = await openCore({ dataDir, model: 'demo', threads: 1 });
  const library = core.library;
  try {
    await library.addFolder(photos);
    await library.addFolder(join(tmp.path, 'copies'));
    await library.index();
  } finally {
    await core.close();
  }
});

after(() => tmp?.cleanup());

test('vocab import, tag, review, facets and XMP export from the command line', async () => {
  await writeFile(join(tmp.path, 'basic.txt'), '# no purple here\nred\nblue | navy\ngreen\nyellow\nred\n');
  const imported = await lookbook('vocab', 'import', join(tmp.path, 'basic.txt'));
  assert.equal(imported.stdout, 'Imported vocabulary basic: 4 labels.\n');
  assert.match(imported.stderr, /note: line 6: "red" appears more than once; merged/);
  const list = await jsonLines<{ name: string }>('vocab', 'list');
  assert.deepEqual(
    list.map((v) => v.name),
    ['everyday', 'products', 'colours', 'basic'],
  );
  assert.match((await lookbook('vocab', 'show', 'basic')).stdout, /^blue \| navy$/m);

  const summary = await json<{ photos: number; tagged: number; suggested: number }>(
    'tag',
    '--folder',
    photos,
    '--vocab',
    'basic',
  );
  assert.deepEqual([summary.photos, summary.tagged, summary.suggested], [3, 2, 2]);
  const purple = await json<{ tags: unknown[] }>('tags', 'list', join(photos, 'purple.jpg'));
  assert.deepEqual(purple.tags, [], 'purple is not in the vocabulary');

  const rejected = await json<{ tags: { label: string; state: string }[] }>(
    'tags',
    'reject',
    join(photos, 'red.jpg'),
    'red',
  );
  assert.deepEqual(
    rejected.tags.map((t) => [t.label, t.state]),
    [['red', 'rejected']],
  );
  const confirmed = await lookbook('tags', 'confirm', join(photos, 'blue.jpg'), 'blue');
  assert.equal(confirmed.stderr, '', 'blue was suggested');
  const typo = await lookbook('tags', 'confirm', join(photos, 'blue.jpg'), 'bleu');
  assert.match(typo.stderr, /note: not suggested before, added as confirmed: bleu/);
  await lookbook('tags', 'remove', join(photos, 'blue.jpg'), 'bleu');
  assert.equal(
    (await lookbook('tags', 'add', join(photos, 'purple.jpg'), 'violet', 'party')).stdout,
    `2 tags changed on ${join(photos, 'purple.jpg')}\n`,
  );

  const facets = await jsonLines<{ label: string; count: number; confirmed: number }>(
    'tags',
    'list',
    '--folder',
    photos,
  );
  assert.deepEqual(
    facets.map((f) => [f.label, f.count, f.confirmed]),
    [
      ['blue', 1, 1],
      ['party', 1, 1],
      ['violet', 1, 1],
    ],
  );

  const exported = await json<{ created: number }>('xmp', 'export', '--folder', photos);
  assert.equal(exported.created, 2);
  assert.match(await readFile(join(photos, 'purple.jpg.xmp'), 'utf8'), /<rdf:li>violet<\/rdf:li>/);

  const plain = await lookbook('tags', 'list', join(photos, 'blue.jpg'));
  assert.match(plain.stdout, /^ {2}blue {2}confirmed \(auto\) {2}[01]\.\d{3}$/m);
  assert.equal(plain.stdout.split('\n')[0], join(photos, 'blue.jpg'));
  const copy = join(tmp.path, 'copies', 'blue-copy.jpg');
  const ofCopy = await lookbook('tags', 'list', copy);
  assert.equal(ofCopy.stdout.split('\n')[0], copy, 'the copy named, not the first path of the content');
  assert.equal(ofCopy.stdout.split('\n').slice(1).join('\n'), plain.stdout.split('\n').slice(1).join('\n'));
});

test('classify-eval prints accuracy and the confused pair', async () => {
  const evalDir = join(tmp.path, 'eval');
  for (const c of ['red', 'green', 'blue'] as const) {
    await writeColourPhoto(join(evalDir, c, `${c}.jpg`), c, { seed: 7 });
  }
  await writeColourPhoto(join(evalDir, 'green', 'oops.jpg'), 'blue', { seed: 8 });
  const r = await lookbook('classify-eval', evalDir);
  assert.match(r.stdout, /4 images in 3 classes/);
  assert.match(r.stdout, /top-1 75\.0% {3}top-5 100\.0%/);
  assert.match(r.stdout, /green → blue: 1 {2}e\.g\. green\/oops\.jpg/);
  assert.match(r.stderr, /demo model only knows colours/);
});

test('bad input: one clear line on stderr, exit code 1, no stack trace', async () => {
  const r = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'main/cli/cli.ts', '--data-dir', dataDir, 'tag', '--vocab', 'nope'],
      { env: { ...process.env, LOOKBOOK_DEBUG: '' } },
    );
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
  assert.equal(r.code, 1);
  assert.match(
    r.stderr,
    /^lookbook: No vocabulary named "nope"\. Known: everyday, products, colours, basic\.\n$/,
  );
  await assert.rejects(lookbook('xmp', 'export', '--naming', 'bridge'), /--naming must be/);
  await assert.rejects(
    lookbook('tags', 'add', join(tmp.path, 'elsewhere.jpg'), 'x'),
    /not a photo in the library/,
  );
  await assert.rejects(lookbook('tags', 'list', '--state', 'maybe'), /unknown state 'maybe'/);
});
