import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, readdir, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { createResolver, type CopyMetadata, type PlanGroup } from '../../main/duplicates/resolver.js';
import { validateRequest } from '../../main/api/validate.js';
import { openTrash } from '../../main/duplicates/trash.js';
import { tempDir, writeColourPhoto } from '../tagging/colour-photos.js';

// The trash's file handling with a plain plan (the finder's groups reduced to paths): every file back
// byte-identical after undo, and the bad-input cases. Tags, captions and albums: duplicates-core.test.ts.

/** Keeps no metadata: these tests are about files (exact copies carry nothing anyway). */
const noMetadata: CopyMetadata = {
  confirmedTags: async () => [],
  anyTags: async () => [],
  addTags: async () => undefined,
  removeTags: async () => undefined,
  captions: async () => [],
  addCaptions: async () => [],
  removeCaptions: async () => undefined,
  albumsWith: async () => [],
  addToAlbum: async () => undefined,
  removeFromAlbum: async () => undefined,
};

interface Setup {
  root: string;
  library: string;
  dataDir: string;
  files: Map<string, Buffer>;
  plan: PlanGroup[];
  cleanup(): Promise<void>;
}

/** Two groups: a red photo with two copies (one in a sub-folder), a blue one with one copy. */
async function setup(name: string, dataDir?: string): Promise<Setup> {
  const tmp = await tempDir(`trash-${name}`);
  const library = join(tmp.path, 'photos');
  const files = new Map<string, Buffer>();
  const plan: PlanGroup[] = [];
  for (const [colour, copies] of [
    ['red', 2],
    ['blue', 1],
  ] as const) {
    const keeper = await writeColourPhoto(join(library, `${colour}.jpg`), colour, { width: 64, height: 48 });
    files.set(keeper, await readFile(keeper));
    const others: PlanGroup['others'] = [];
    for (let i = 0; i < copies; i++) {
      const path = await writeColourPhoto(join(library, i ? 'sub' : '', `${colour}-copy${i}.jpg`), colour, {
        seed: i + 7,
      });
      const s = await stat(path);
      files.set(path, await readFile(path));
      others.push({ contentId: `${colour}-${i}`, path, sizeBytes: s.size, mtimeMs: s.mtimeMs });
    }
    plan.push({ id: colour, kind: 'similar', keeper: { contentId: colour, path: keeper }, others });
  }
  return {
    root: tmp.path,
    library,
    dataDir: dataDir ?? join(tmp.path, 'data'),
    files,
    plan,
    cleanup: tmp.cleanup,
  };
}

function resolverFor(s: Setup, opts: { lockWaitMs?: number } = {}) {
  const reindexed: string[] = [];
  const trash = openTrash(s.dataDir, opts);
  const resolver = createResolver({
    dataDir: s.dataDir,
    trash,
    libraryFolders: async () => [s.library],
    metadata: noMetadata,
    reindex: async (paths) => void reindexed.push(...paths),
  });
  return { trash, resolver, reindexed };
}

async function assertAllInPlace(s: Setup): Promise<void> {
  for (const [path, bytes] of s.files)
    assert.deepEqual(await readFile(path), bytes, `${path} is back, byte for byte`);
}

const exists = (p: string) =>
  stat(p).then(
    () => true,
    () => false,
  );

test('resolve moves the copies to the trash; undo puts every file back byte-identical', async () => {
  const s = await setup('roundtrip');
  try {
    const { trash, resolver, reindexed } = resolverFor(s);
    const mtimes = new Map(
      await Promise.all([...s.files.keys()].map(async (p) => [p, (await stat(p)).mtimeMs] as const)),
    );
    const r = await resolver.resolve(s.plan);
    assert.equal(r.moved.length, 3);
    assert.deepEqual(r.skipped, []);
    assert.equal(r.undoable, true);
    for (const m of r.moved) {
      assert.equal(await exists(m.from), false, `${m.from} left the library`);
      assert.ok(m.to.startsWith(join(s.dataDir, 'trash')), 'into the trash inside the data directory');
      assert.deepEqual(await readFile(m.to), s.files.get(m.from));
    }
    for (const g of s.plan) assert.ok(await exists(g.keeper.path), 'keepers stay');
    const items = await trash.list();
    assert.deepEqual(items.map((i) => i.originalPath).sort(), r.moved.map((m) => m.from).sort());

    assert.deepEqual(
      reindexed.splice(0).sort(),
      r.moved.map((m) => m.from).sort(),
      'the library looks again at moved paths',
    );
    const u = await resolver.undo();
    assert.equal(u.id, r.id, 'the latest resolution by default');
    assert.equal(u.moved.length, 3);
    await assertAllInPlace(s);
    for (const [p, t] of mtimes) assert.equal((await stat(p)).mtimeMs, t, `${p} keeps its time`);
    assert.deepEqual(await trash.list(), []);
    assert.deepEqual(reindexed.sort(), r.moved.map((m) => m.from).sort(), 'restored paths are indexed again');
    await assert.rejects(resolver.undo(), /nothing to undo/i);
    assert.equal((await resolver.list())[0]?.undoable, false);
  } finally {
    await s.cleanup();
  }
});

test('a dry run moves nothing and says what would move', async () => {
  const s = await setup('dry');
  try {
    const { trash, resolver } = resolverFor(s);
    const r = await resolver.resolve(s.plan, { dryRun: true });
    assert.equal(r.moved.length, 3);
    assert.equal(r.undoable, false);
    await assertAllInPlace(s);
    assert.deepEqual(await trash.list(), []);
    await assert.rejects(resolver.undo(), /nothing to undo/i);
  } finally {
    await s.cleanup();
  }
});

test('a group whose files vanished or changed is skipped with a reason; the others are resolved', async () => {
  const s = await setup('changed');
  try {
    const { resolver } = resolverFor(s);
    const [red, blue] = s.plan as [PlanGroup, PlanGroup];
    await writeFile(red.others[1]!.path, 'edited since');
    s.files.set(red.others[1]!.path, Buffer.from('edited since'));
    const r = await resolver.resolve(s.plan);
    assert.deepEqual(
      r.moved.map((m) => m.from),
      [blue.others[0]!.path],
    );
    assert.match(r.skipped[0]!.reason, /changed since the group was found/);
    assert.ok(await exists(red.others[0]!.path), 'no copy of a skipped group moves');

    await resolver.undo();
    const { rm } = await import('node:fs/promises');
    await rm(blue.others[0]!.path);
    const r2 = await resolver.resolve([blue]);
    assert.match(r2.skipped[0]!.reason, /gone since the group was found/);
    assert.equal(r2.moved.length, 0);
  } finally {
    await s.cleanup();
  }
});

test('no file outside the library folders is moved, even through a link; the keeper is never removed', async () => {
  const s = await setup('outside');
  try {
    const { resolver } = resolverFor(s);
    const outside = await writeColourPhoto(join(s.root, 'elsewhere', 'red.jpg'), 'red');
    const linked = join(s.library, 'link-to-elsewhere.jpg');
    await symlink(outside, linked);
    const os = await stat(outside);
    const [red] = s.plan as [PlanGroup];
    const viaLink: PlanGroup = {
      ...red,
      id: 'link',
      others: [{ contentId: 'x', path: linked, sizeBytes: os.size, mtimeMs: os.mtimeMs }],
    };
    const direct: PlanGroup = {
      ...red,
      id: 'direct',
      others: [{ contentId: 'x', path: outside, sizeBytes: os.size, mtimeMs: os.mtimeMs }],
    };
    const ks = await stat(red.keeper.path);
    const self: PlanGroup = {
      ...red,
      id: 'self',
      others: [
        { contentId: 'y', path: join(s.library, '.', 'red.jpg'), sizeBytes: ks.size, mtimeMs: ks.mtimeMs },
      ],
    };
    const r = await resolver.resolve([viaLink, direct, self]);
    assert.equal(r.moved.length, 0);
    assert.match(r.skipped[0]!.reason, /not inside a library folder/);
    assert.match(r.skipped[1]!.reason, /not inside a library folder/);
    assert.match(r.skipped[2]!.reason, /kept file itself/);
    assert.ok((await exists(outside)) && (await exists(linked)) && (await exists(red.keeper.path)));
  } finally {
    await s.cleanup();
  }
});

test('a read-only trash (a file in its place) stops with a clear message and moves nothing', async () => {
  const s = await setup('readonly');
  try {
    await mkdir(s.dataDir, { recursive: true });
    await writeFile(join(s.dataDir, 'trash'), 'not a folder');
    const { resolver } = resolverFor(s);
    await assert.rejects(resolver.resolve(s.plan), (e: Error) => {
      assert.equal(e.name, 'UserError');
      assert.match(e.message, /trash .* cannot be written: .*Nothing was moved/);
      return true;
    });
    await assertAllInPlace(s);
  } finally {
    await s.cleanup();
  }
});

/** Mounts a tmpfs of `size` (root only; undefined where mounting is not permitted). */
function mountTmpfs(dir: string, size: string, readOnly = false): (() => void) | undefined {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}${readOnly ? ',ro' : ''}`, 'tmpfs', dir], {
      stdio: 'ignore',
    });
    return () => execFileSync('umount', [dir]);
  } catch {
    return undefined;
  }
}

test('a full trash (a small disk of its own) stops with a clear message and moves nothing', async (t) => {
  const s = await setup('full');
  const mnt = join(s.root, 'small-disk');
  await mkdir(mnt, { recursive: true });
  const umount = mountTmpfs(mnt, '1m');
  if (!umount) {
    await s.cleanup();
    return t.skip('mount is not permitted here');
  }
  try {
    s.dataDir = join(mnt, 'data');
    // Enough that the copies do not fit on the 1 MiB disk (the trash keeps 1 MiB spare).
    const [red] = s.plan as [PlanGroup];
    const big = join(s.library, 'big.bin');
    await writeFile(big, Buffer.alloc(600_000, 7));
    const bs = await stat(big);
    const plan: PlanGroup[] = [
      { ...red, others: [{ contentId: 'b', path: big, sizeBytes: bs.size, mtimeMs: bs.mtimeMs }] },
    ];
    const { resolver } = resolverFor(s);
    await assert.rejects(resolver.resolve(plan), /disk is full: .*Nothing was moved/);
    assert.ok(await exists(big));
    await assertAllInPlace(s);
  } finally {
    umount();
    await s.cleanup();
  }
});

test('across file systems (the trash on another disk) the files move by copy and come back byte-identical', async (t) => {
  const s = await setup('exdev');
  const mnt = join(s.root, 'other-disk');
  await mkdir(mnt, { recursive: true });
  const umount = mountTmpfs(mnt, '64m');
  if (!umount) {
    await s.cleanup();
    return t.skip('mount is not permitted here');
  }
  try {
    s.dataDir = join(mnt, 'data');
    const { resolver } = resolverFor(s);
    const r = await resolver.resolve(s.plan);
    assert.equal(r.moved.length, 3);
    for (const m of r.moved) assert.equal(await exists(m.from), false);
    const trashFiles = await readdir(join(s.dataDir, 'trash', 'files'));
    assert.equal(trashFiles.length, 3);
    await resolver.undo(r.id);
    await assertAllInPlace(s);
  } finally {
    umount();
    await s.cleanup();
  }
});

test('a read-only disk under the trash stops with a clear message', async (t) => {
  const s = await setup('rofs');
  const mnt = join(s.root, 'ro-disk');
  await mkdir(mnt, { recursive: true });
  const umount = mountTmpfs(mnt, '1m', true);
  if (!umount) {
    await s.cleanup();
    return t.skip('mount is not permitted here');
  }
  try {
    s.dataDir = mnt;
    const { resolver } = resolverFor(s);
    await assert.rejects(resolver.resolve(s.plan), /cannot be written: it is read-only\. Nothing was moved/);
    await assertAllInPlace(s);
  } finally {
    umount();
    await s.cleanup();
  }
});

test('two resolves started at once never both move a file', async () => {
  const s = await setup('concurrent');
  try {
    // Two separate trash objects, as two processes would have, on one data directory.
    const a = resolverFor(s).resolver;
    const b = resolverFor(s).resolver;
    const [ra, rb] = await Promise.all([a.resolve(s.plan), b.resolve(s.plan)]);
    const moved = [...ra.moved, ...rb.moved].map((m) => m.from).sort();
    assert.deepEqual(
      moved,
      s.plan.flatMap((g) => g.others.map((o) => o.path)).sort(),
      'each copy moved exactly once',
    );
    const second = ra.moved.length === 0 ? ra : rb;
    assert.equal(second.skipped.length, 2);
    for (const sk of second.skipped) assert.match(sk.reason, /gone since the group was found/);
    assert.equal((await openTrash(s.dataDir).list()).length, 3);
    await a.undo();
    await assertAllInPlace(s);
  } finally {
    await s.cleanup();
  }
});

test('undo never overwrites a file that reappeared at the original path: it reports it', async () => {
  const s = await setup('reappeared');
  try {
    const { resolver, trash } = resolverFor(s);
    const r = await resolver.resolve(s.plan);
    const taken = r.moved[0]!.from;
    await writeFile(taken, 'a new file by that name');
    const u = await resolver.undo();
    assert.equal(u.moved.length, 2);
    assert.equal(u.skipped.length, 1);
    assert.match(u.skipped[0]!.reason, /exists again/);
    assert.equal(await readFile(taken, 'utf8'), 'a new file by that name', 'not overwritten');
    const left = await trash.list();
    assert.deepEqual(
      left.map((i) => i.originalPath),
      [taken],
      'the copy stays in the trash',
    );
    assert.deepEqual(await readFile(left[0]!.trashPath), s.files.get(taken));
  } finally {
    await s.cleanup();
  }
});

test('the API refuses a malformed resolve, undo or restore with a sentence', () => {
  const refused = (
    m: Parameters<typeof validateRequest>[0],
    input: Record<string, unknown>,
    message: RegExp,
  ) =>
    assert.throws(
      () => validateRequest(m, input),
      (e: Error) => e.name === 'UserError' && message.test(e.message),
    );
  refused('duplicates.resolve', { strictness: 'very' }, /strict, normal or loose/);
  refused('duplicates.resolve', { groupIds: 'abc' }, /“groupIds” must be a list of text/);
  refused('trash.restore', { originalPaths: [] }, /at least one file/);
  refused('trash.restore', { originalPaths: ['/a\0b'] }, /not a valid path/);
  assert.deepEqual(validateRequest('duplicates.resolve', { groupIds: ['g1'], strictness: 'loose' }), {
    groupIds: ['g1'],
    strictness: 'loose',
  });
  assert.deepEqual(validateRequest('duplicates.undo', {}), {});
});

test('a run killed between listing a file and moving it leaves no phantom in the trash', async () => {
  const s = await setup('killed');
  try {
    const { trash, resolver } = resolverFor(s);
    const r = await resolver.resolve(s.plan);
    // What a kill after the manifest write and before the move leaves: an entry with no file.
    const manifest = join(s.dataDir, 'trash', 'manifest.json');
    const doc = JSON.parse(await readFile(manifest, 'utf8')) as { items: Array<Record<string, unknown>> };
    doc.items.push({
      ...doc.items[0],
      id: 'ghost',
      trashPath: join(s.dataDir, 'trash', 'files', 'ghost', 'x.jpg'),
    });
    await writeFile(manifest, JSON.stringify(doc));
    assert.equal((await trash.list()).length, 3, 'the phantom is not listed');
    const u = await resolver.undo(r.id);
    assert.equal(u.moved.length, 3);
    assert.deepEqual(u.skipped, []);
    await assertAllInPlace(s);
  } finally {
    await s.cleanup();
  }
});
