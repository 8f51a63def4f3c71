// Tagging runs a person starts can be undone in one action, and a vocabulary the model cannot score is
// refused (with the reason) before it fills the library with guesses. The commands run in-process.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Command } from 'commander';
import { registerTaggingCommands } from '../../main/cli/commands/tagging-commands.js';
import { openCore } from '../../main/core/open-core.js';
import { isUserError } from '../../main/errors.js';
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

/** The message of the UserError a command fails with. */
async function failure(...args: string[]): Promise<string> {
  try {
    await lookbook(...args);
  } catch (e) {
    assert.ok(isUserError(e), `a clear error, not ${String(e)}`);
    return e.message;
  }
  assert.fail(`lookbook ${args.join(' ')} should have failed`);
}

/** Every tag of every photo, as 'photo: label state' lines. */
async function allTags(): Promise<string[]> {
  const lines: string[] = [];
  for (const name of ['red.jpg', 'blue.jpg', 'green.jpg']) {
    const { stdout } = await lookbook('tags', 'list', join(photos, name), '--json');
    for (const t of JSON.parse(stdout).tags as { label: string; state: string; source: string }[])
      lines.push(`${name}: ${t.label} ${t.state} ${t.source}`);
  }
  return lines.sort();
}

before(async () => {
  tmp = await tempDir('tagging-undo');
  dataDir = join(tmp.path, 'data');
  photos = join(tmp.path, 'photos');
  await writeColourPhoto(join(photos, 'red.jpg'), 'red', { seed: 1 });
  await writeColourPhoto(join(photos, 'blue.jpg'), 'blue', { seed: 2 });
  await writeColourPhoto(join(photos, 'green.jpg'), 'green', { seed: 3 });
  const core = await openCore({ dataDir, model: 'demo', threads: 1 });
  try {
    await core.library.addFolder(photos);
    await core.library.index();
  } finally {
    await core.close();
  }
});

after(() => tmp?.cleanup());

test('the demo model refuses a vocabulary of things it cannot see, before tagging anything', async () => {
  const message = await failure('tag', '--vocab', 'everyday');
  assert.match(message, /only tells colours apart/);
  assert.match(message, /labels in “everyday” are not colours/);
  assert.match(message, /--anyway/);
  assert.deepEqual(await allTags(), [], 'nothing was tagged');
  // The colours vocabulary (the demo model's default) is fine: no warning.
  const colours = await lookbook('tag', '--vocab', 'colours');
  assert.doesNotMatch(colours.stderr, /only tells colours apart/);
  assert.match(colours.stdout, /lookbook tags undo/);
  await lookbook('tags', 'undo');
});

test('undo takes a run back: its suggestions go, the earlier ones return, reviews stay', async () => {
  const first = await lookbook('tag');
  assert.match(first.stdout, /3 of 3 photos tagged with colours/);
  const afterFirst = await allTags();
  assert.ok(afterFirst.includes('red.jpg: red suggested auto'), afterFirst.join('\n'));

  // A person reviews: confirms a suggestion, rejects another, adds a tag by hand.
  await lookbook('tags', 'confirm', join(photos, 'blue.jpg'), 'blue');
  await lookbook('tags', 'reject', join(photos, 'green.jpg'), 'green');
  await lookbook('tags', 'add', join(photos, 'red.jpg'), 'poppy');
  const reviewed = await allTags();

  // A second, stricter run replaces the remaining suggestion (red) with nothing…
  await lookbook('tag', '--margin', '2');
  assert.ok(!(await allTags()).includes('red.jpg: red suggested auto'));
  // …and undoing it brings the first run's suggestion back, reviews untouched.
  const undoSecond = await lookbook('tags', 'undo');
  assert.match(undoSecond.stdout, /1 earlier suggestion back/);
  assert.deepEqual(await allTags(), reviewed);

  // Undoing the first run removes its remaining suggestions only.
  const undoFirst = await lookbook('tags', 'undo');
  assert.match(undoFirst.stdout, /Undid the tagging run of .* with colours: 1 suggestion removed\./);
  assert.deepEqual(await allTags(), [
    'blue.jpg: blue confirmed auto',
    'green.jpg: green rejected auto',
    'red.jpg: poppy confirmed user',
  ]);

  assert.match(await failure('tags', 'undo'), /no tagging run to undo/);
});
