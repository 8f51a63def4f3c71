// Resolving duplicates over a real library (LanceDB, the demo model, generated photos, the finder's
// groups): the copies go to the trash, their tags, captions and album places go to the keeper, and undo
// puts every file back byte-identical and takes the keeper's gains back. Through the API handlers;
// file-level bad input: resolver.test.ts.
import assert from 'node:assert/strict';
import { copyFile, mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createTrashHandlers } from '../../main/api/trash-handlers.js';
import { openCore, type Core } from '../../main/core/open-core.js';
import { tempDir } from '../tagging/colour-photos.js';
import { originalPng, writeCopy } from './near-copies.js';

let dir: { path: string; cleanup(): Promise<void> };
let core: Core;
let h: ReturnType<typeof createTrashHandlers>;
let root: string;
let original: string;
let half: string;
let exactCopy: string;
let other: string;
const bytes = new Map<string, Buffer>();

before(async () => {
  dir = await tempDir('resolve-core');
  root = join(dir.path, 'photos');
  const png = await originalPng('red', 1);
  original = join(root, 'red.png');
  await writeCopy(png, 'half', root, 'red');
  half = join(root, 'red-half.jpg');
  await writeFile(original, png);
  exactCopy = join(root, 'again', 'red-copy.png');
  await mkdir(join(root, 'again'), { recursive: true });
  await copyFile(original, exactCopy);
  other = join(root, 'blue.png');
  await writeFile(other, await originalPng('blue', 2));
  for (const f of await listFiles(root)) bytes.set(f, await readFile(f));
  core = await openCore({ dataDir: join(dir.path, 'data'), model: 'demo' });
  await core.library.addFolder(root);
  await core.library.index();
  h = createTrashHandlers({ core });
});

after(async () => {
  await core?.close();
  await dir?.cleanup();
});

async function listFiles(folder: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(folder, { withFileTypes: true })) {
    const p = join(folder, e.name);
    if (e.isDirectory()) out.push(...(await listFiles(p)));
    else out.push(p);
  }
  return out.sort();
}

const exists = (p: string) =>
  stat(p).then(
    () => true,
    () => false,
  );

test('resolve moves the copies to the trash and gives the keeper their tags, captions and albums; undo takes all back', async () => {
  const idOf = async (p: string) => (await core.library.contentIdOf(p))!;
  const [keeperId, halfId] = [await idOf(original), await idOf(half)];
  assert.notEqual(keeperId, halfId);

  await core.tagging().addTags([half], ['beach']);
  const tuning = await core.tuning();
  await tuning.addCaption(half, 'a red wall at noon');
  const album = await core.albums().create('Walls', { photos: [half, other] });

  const groups = await core.duplicates().find();
  const red = groups.find((g) => g.copies.some((c) => c.path === half));
  assert.ok(red, 'the half-size copy is in a group');
  assert.equal(red.keeperContentId, keeperId, 'the largest original is kept (at one of its two paths)');
  const kept = red.keeperPath;
  assert.ok(!groups.some((g) => g.copies.some((c) => c.path === other)), 'the blue photo is nobody’s copy');

  const resolved = await h['duplicates.resolve']({ groupIds: [red.id] });
  const moved = resolved.moved.map((m) => m.from).sort();
  assert.ok(moved.includes(half), 'the half-size copy went to the trash');
  assert.ok(!moved.includes(kept), 'never the keeper');
  assert.deepEqual(moved, [half], 'only the near copy: the exact copy is another group');
  for (const p of moved) assert.equal(await exists(p), false);
  assert.ok(await exists(kept));
  assert.equal(resolved.undoable, true);

  const trash = await h['trash.list']({});
  assert.deepEqual(trash.map((t) => t.originalPath).sort(), moved);
  assert.ok(trash.every((t) => t.resolutionId === resolved.id));

  // The keeper has what the copy had.
  const keeperTags = (await core.tagging().photoTags(kept)).tags.map((t) => t.label);
  assert.ok(keeperTags.includes('beach'));
  assert.deepEqual(
    (await tuning.listPairs({ contentId: keeperId })).map((p) => p.text),
    ['a red wall at noon'],
  );
  assert.ok(
    (await core.albums().contentIds(album.id)).has(keeperId),
    'the keeper took the copy’s album place',
  );

  const undone = await h['duplicates.undo']({});
  assert.equal(undone.id, resolved.id);
  assert.deepEqual(undone.moved.map((m) => m.to).sort(), moved);
  assert.deepEqual(undone.skipped, []);
  for (const [p, b] of bytes) assert.deepEqual(await readFile(p), b, `${p} is back byte for byte`);
  assert.deepEqual(await h['trash.list']({}), []);

  // The keeper's gains are taken back; the copy has its own again (indexed anew by undo).
  assert.ok(!(await core.tagging().photoTags(kept)).tags.some((t) => t.label === 'beach'));
  assert.deepEqual(await tuning.listPairs({ contentId: keeperId }), []);
  const inAlbum = await core.albums().contentIds(album.id);
  assert.ok(!inAlbum.has(keeperId) && inAlbum.has(halfId), 'the album holds the copy again, not the keeper');
  assert.ok((await core.tagging().photoTags(half)).tags.some((t) => t.label === 'beach'));
  assert.deepEqual(
    (await tuning.listPairs({ contentId: halfId })).map((p) => p.text),
    ['a red wall at noon'],
  );
});

test('resolving every group keeps one file of each picture; restore puts one back; empty removes the rest', async () => {
  const r = await h['duplicates.resolve']({});
  assert.ok(r.moved.length >= 1);
  // Groups overlap (the red content's two paths, and the red content among its near copies): whatever
  // was resolved or skipped, a red file and the blue file are still in the library folder.
  const left = await listFiles(root);
  assert.ok(left.includes(other));
  assert.ok(left.includes(original) || left.includes(exactCopy), 'never every copy of a picture');
  for (const s of r.skipped) assert.match(s.reason, /another group keeps/);

  const [first, ...rest] = r.moved;
  const inTrash = await h['trash.restore']({ originalPaths: [first!.from] });
  assert.deepEqual(await readFile(first!.from), bytes.get(first!.from));
  assert.deepEqual(inTrash.map((t) => t.originalPath).sort(), rest.map((m) => m.from).sort());
  const emptied = await h['trash.empty']({});
  assert.equal(emptied.removed, rest.length);
  assert.equal(
    emptied.freedBytes,
    rest.reduce((n, m) => n + bytes.get(m.from)!.length, 0),
  );
  assert.deepEqual(await h['trash.list']({}), []);
  for (const m of rest) assert.equal(await exists(m.from), false);
  await assert.rejects(h['duplicates.undo']({}), /nothing to undo/i);
});
