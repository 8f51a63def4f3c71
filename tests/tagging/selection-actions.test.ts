// What a selection of photos can do, through the API the grid calls, over a real library tagged by the
// demo model: tags on many photos at once (and the CLI's bulk form of `tags confirm|reject`), the review
// queue, "more like these", one caption on many photos, and XMP sidecars for the selection.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Command } from 'commander';
import sharp from 'sharp';
import { createCoreApi } from '../../main/api/core-api.js';
import type { CoreApi } from '../../main/api/dispatch.js';
import type { PhotoSummary } from '../../main/api/types.js';
import { MAX_PHOTO_IDS, validateRequest } from '../../main/api/validate.js';
import { registerTaggingCommands } from '../../main/cli/commands/tagging-commands.js';
import { openCore } from '../../main/core/open-core.js';
import { COLOUR_RGB, tempDir, writeColourPhoto } from './colour-photos.js';

let tmp: { path: string; cleanup(): Promise<void> };
let dataDir: string;
let photos: string;
let api: CoreApi;

/**
 * A square photo whose top `redRows` of 100 rows are red and the rest orange. The demo model sees colour
 * proportions, so near half and half its confidence that the photo is red spreads out (0.78, 0.995, …).
 */
async function redOverOrange(path: string, redRows: number): Promise<void> {
  const side = 100;
  const pixels = Buffer.alloc(side * side * 3);
  for (let i = 0; i < side * side; i++) {
    const rgb = Math.floor(i / side) < redRows ? COLOUR_RGB.red : COLOUR_RGB.orange;
    pixels.set(rgb, i * 3);
  }
  await mkdir(dirname(path), { recursive: true });
  await sharp(pixels, { raw: { width: side, height: side, channels: 3 } })
    .jpeg({ quality: 92 })
    .toFile(path);
}

async function lookbook(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const program = new Command('lookbook').option('--data-dir <dir>').exitOverride();
  registerTaggingCommands(program, { out: (l) => (stdout += `${l}\n`), err: (l) => (stderr += `${l}\n`) });
  await program.parseAsync(['--data-dir', dataDir, ...args], { from: 'user' });
  return { stdout, stderr };
}

async function inFolder(folder: string): Promise<PhotoSummary[]> {
  const res = await api.handlers['search.query']({ filters: { folder: join(photos, folder) }, limit: 1000 });
  return res.items;
}

/** The photo's tag of this label: its status and score, or undefined. */
async function tagOf(id: string, label: string) {
  return (await api.handlers['photos.get']({ id })).tags.find((t) => t.tag === label);
}

before(async () => {
  tmp = await tempDir('bulk-review');
  dataDir = join(tmp.path, 'data');
  photos = join(tmp.path, 'photos');
  for (let i = 0; i < 40; i++)
    await writeColourPhoto(join(photos, 'picked', `red-${i}.jpg`), 'red', { seed: i + 1 });
  for (let rows = 48; rows < 58; rows++) await redOverOrange(join(photos, 'mixed', `red-${rows}.jpg`), rows);
  for (let i = 0; i < 5; i++)
    await writeColourPhoto(join(photos, 'blues', `blue-${i}.jpg`), 'blue', { seed: i + 1 });
  const core = await openCore({ dataDir, model: 'demo', threads: 1 });
  try {
    await core.library.addFolder(photos);
    assert.equal((await core.library.index()).failed, 0);
    // Generous settings, so that the mixed photos get 'red' suggestions of many confidences.
    await core
      .tagging()
      .tagFolder(undefined, { vocabulary: 'colours', scoring: { minProbability: 0.05, topK: 3 } });
  } finally {
    await core.close();
  }
  api = await createCoreApi({ dataDir, model: 'demo', watch: false });
});

after(async () => {
  await api?.close();
  await tmp?.cleanup();
});

test('confirming the suggested tag on 30 selected photos, in one call, confirms exactly those 30', async () => {
  const picked = await inFolder('picked');
  assert.equal(picked.length, 40);
  for (const p of picked) assert.equal((await tagOf(p.id, 'red'))?.status, 'suggested');
  const selected = picked.slice(0, 30).map((p) => p.id);

  const result = await api.handlers['tags.confirmMany']({ photoIds: selected, tag: 'red' });
  assert.deepEqual(result, { changed: 30, skipped: 0, failures: [] });
  for (const [i, p] of picked.entries())
    assert.equal((await tagOf(p.id, 'red'))?.status, i < 30 ? 'confirmed' : 'suggested', p.name);

  // The tag counts, `lookbook tags list` and the search filter agree.
  const facet = (await api.handlers['tags.facets']({})).find((f) => f.tag === 'red')!;
  assert.equal(facet.confirmed, 30);
  const listed = (await lookbook('tags', 'list', '--json')).stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { label: string; count: number; confirmed: number })
    .find((f) => f.label === 'red')!;
  assert.deepEqual([listed.count, listed.confirmed], [facet.count, 30]);
  const filtered = await api.handlers['search.query']({ filters: { tags: ['red'] }, limit: 1000 });
  assert.equal(filtered.total, facet.count);
  for (const id of selected) assert.ok(filtered.items.some((p) => p.id === id));

  // Again: nothing left to confirm. A photo that left the library is reported, the rest still done.
  const again = await api.handlers['tags.confirmMany']({
    photoIds: [...selected, 'f'.repeat(64)],
    tag: 'red',
  });
  assert.equal(again.changed, 0);
  assert.equal(again.skipped, 30);
  assert.equal(again.failures.length, 1);
  assert.match(again.failures[0]!.reason, /not in the library/);
});

test('the review queue lists pending suggestions most confident first, and its counts follow each answer', async () => {
  const labels = await api.handlers['review.labels']({});
  const red = labels.find((l) => l.tag === 'red')!;
  assert.ok(red, JSON.stringify(labels));
  // The first test confirmed 30 red suggestions.
  assert.equal(red.reviewed, 30);

  const all = await api.handlers['review.queue']({ tag: 'red', limit: 1000 });
  assert.deepEqual([all.tag, all.pending, all.reviewed], ['red', red.pending, 30]);
  assert.equal(all.items.length, red.pending);
  const scores = all.items.map((p) => p.score!);
  assert.ok(
    scores.every((s, i) => i === 0 || scores[i - 1]! >= s),
    `most confident first: ${scores.join()}`,
  );
  assert.ok(new Set(scores).size > 1, 'the mixed photos bring several confidences');
  // The least sure is a photo half red, half orange; pages follow the same order.
  assert.match(all.items.at(-1)!.name, /^red-5\d\.jpg$/);
  const page = await api.handlers['review.queue']({ tag: 'Red', offset: 2, limit: 3 });
  assert.deepEqual(
    page.items.map((p) => p.id),
    all.items.slice(2, 5).map((p) => p.id),
  );

  // One yes and one no: two fewer pending, two more reviewed, and those two leave the queue.
  const [yes, no] = [all.items[0]!.id, all.items[1]!.id];
  await api.handlers['tags.confirmMany']({ photoIds: [yes], tag: 'red' });
  await api.handlers['tags.rejectMany']({ photoIds: [no], tag: 'red' });
  const after = await api.handlers['review.queue']({ tag: 'red', limit: 1000 });
  assert.deepEqual([after.pending, after.reviewed], [red.pending - 2, 32]);
  assert.ok(!after.items.some((p) => p.id === yes || p.id === no));
  const counted = (await api.handlers['review.labels']({})).find((l) => l.tag === 'red')!;
  assert.deepEqual([counted.pending, counted.reviewed], [red.pending - 2, 32]);
});

test('rejecting with no tag named rejects every suggestion of the selected photos, and only theirs', async () => {
  const blues = await inFolder('blues');
  const before = await Promise.all(
    blues.map(async (p) => (await api.handlers['photos.get']({ id: p.id })).tags),
  );
  const suggestions = before.flat().filter((t) => t.status === 'suggested').length;
  assert.ok(suggestions >= blues.length, 'each blue photo has a suggestion');

  const result = await api.handlers['tags.rejectMany']({ photoIds: blues.slice(0, 3).map((p) => p.id) });
  assert.deepEqual(result, { changed: 3, skipped: 0, failures: [] });
  for (const [i, p] of blues.entries()) {
    const states = (await api.handlers['photos.get']({ id: p.id })).tags.map((t) => t.status);
    if (i < 3)
      assert.ok(states.length > 0 && states.every((s) => s === 'rejected'), `${p.name}: ${states.join()}`);
    else
      assert.ok(
        states.every((s) => s === 'suggested'),
        `${p.name}: ${states.join()}`,
      );
  }
});

test('adding a tag to many photos adds it once to each', async () => {
  const blues = (await inFolder('blues')).map((p) => p.id);
  assert.deepEqual(await api.handlers['tags.addMany']({ photoIds: blues, tag: 'sky' }), {
    changed: 5,
    skipped: 0,
    failures: [],
  });
  assert.deepEqual(await api.handlers['tags.addMany']({ photoIds: blues.slice(0, 2), tag: 'Sky' }), {
    changed: 0,
    skipped: 2,
    failures: [],
  });
  for (const id of blues) assert.equal((await tagOf(id, 'sky'))?.status, 'manual');
});

test('`tags confirm red --folder DIR --min-prob P` confirms exactly the suggestions scored at least P', async () => {
  const mixed = await inFolder('mixed');
  const scores = new Map<string, number>();
  for (const p of mixed) {
    const t = await tagOf(p.id, 'red');
    if (t?.status === 'suggested') scores.set(p.id, t.score!);
  }
  // A threshold between two of the scores, so that some suggestions qualify and some do not.
  const sorted = [...new Set(scores.values())].sort((a, b) => a - b);
  assert.ok(
    sorted.length >= 4,
    `the mixed photos have red suggestions of several confidences: ${sorted.join()}`,
  );
  const mid = Math.floor(sorted.length / 2);
  const p = Number(((sorted[mid - 1]! + sorted[mid]!) / 2).toFixed(6));
  const qualifying = [...scores].filter(([, s]) => s >= p).map(([id]) => id);
  assert.ok(qualifying.length > 0 && qualifying.length < scores.size);

  const r = await lookbook(
    'tags',
    'confirm',
    'red',
    '--folder',
    join(photos, 'mixed'),
    '--min-prob',
    String(p),
  );
  assert.match(r.stdout, new RegExp(`^Confirmed “red” on ${qualifying.length} photos?\\.$`, 'm'));
  assert.match(r.stdout, new RegExp(`^${mixed.length - qualifying.length} photos? left alone`, 'm'));
  for (const photo of mixed) {
    const t = await tagOf(photo.id, 'red');
    const expected = qualifying.includes(photo.id)
      ? 'confirmed'
      : scores.has(photo.id)
        ? 'suggested'
        : t?.status;
    assert.equal(t?.status, expected, `${photo.name} (score ${t?.score})`);
  }

  // The rest, by naming photos after the tag, with --json.
  const rest = [...scores.keys()].filter((id) => !qualifying.includes(id));
  const paths = mixed.filter((m) => rest.includes(m.id)).map((m) => m.path);
  const json = JSON.parse((await lookbook('tags', 'confirm', 'red', ...paths, '--json')).stdout) as {
    changed: number;
    skipped: number;
  };
  assert.deepEqual([json.changed, json.skipped], [rest.length, 0]);
});

test('the bulk form refuses what it cannot do, changing nothing, and the per-photo form still works', async () => {
  const folder = join(photos, 'picked');
  await assert.rejects(
    lookbook('tags', 'confirm', folder, 'red'),
    /is a folder: .*tags confirm TAG --folder/,
  );
  await assert.rejects(lookbook('tags', 'confirm', 'red'), /say which photos/);
  await assert.rejects(lookbook('tags', 'reject', 'red', '--all', '--folder', folder), /say which photos/);
  // A photo whose red suggestion the first test left unconfirmed.
  const [still] = await Promise.all(
    (await inFolder('picked')).map(async (p) =>
      (await tagOf(p.id, 'red'))?.status === 'suggested' ? p : undefined,
    ),
  ).then((list) => list.filter((p) => p !== undefined));
  const last = still!.path;
  const id = still!.id;
  await assert.rejects(
    lookbook('tags', 'reject', 'red', last, join(tmp.path, 'nope.jpg')),
    /nope\.jpg: not a photo in the library.*nothing was changed/,
  );
  assert.equal((await tagOf(id, 'red'))?.status, 'suggested');
  await assert.rejects(lookbook('tags', 'confirm', 'red', '--min-prob', '2', '--all'), /--min-prob must be/);

  const one = await lookbook('tags', 'reject', last, 'red');
  assert.equal(one.stdout, `1 tag changed on ${last}\n`);
  assert.equal((await tagOf(id, 'red'))?.status, 'rejected');
});

test("`tags reject red --album NAME` acts on exactly the album's photos", async () => {
  const suggested = [];
  for (const p of await inFolder('picked'))
    if ((await tagOf(p.id, 'red'))?.status === 'suggested') suggested.push(p);
  assert.ok(suggested.length >= 4, `photos with a pending red suggestion remain: ${suggested.length}`);
  const inAlbum = suggested.slice(0, 3);
  await api.handlers['albums.create']({ name: 'Reds to check', photoIds: inAlbum.map((p) => p.id) });
  const r = await lookbook('tags', 'reject', 'red', '--album', 'reds to check');
  assert.match(r.stdout, /^Rejected “red” on 3 photos\.$/m);
  for (const p of suggested) {
    const expected = inAlbum.includes(p) ? 'rejected' : 'suggested';
    assert.equal((await tagOf(p.id, 'red'))?.status, expected, p.name);
  }
  await assert.rejects(
    lookbook('tags', 'reject', 'red', '--album', 'no such album'),
    /no album 'no such album'/,
  );
});

test('"more like these": the mean of the selected photos, which are left out of the results', async () => {
  const blues = await inFolder('blues');
  const reds = await inFolder('picked');
  const selected = [blues[0]!.id, reds[0]!.id];
  const res = await api.handlers['search.query']({ similarToMany: selected, limit: 100 });
  const ids = res.items.map((p) => p.id);
  assert.ok(!ids.some((id) => selected.includes(id)), 'the selected photos are not results');
  // Halfway between blue and red: both colours are found (one photo alone would find only its colour).
  assert.ok(
    blues.slice(1).some((p) => ids.includes(p.id)),
    'other blue photos found',
  );
  assert.ok(
    reds.slice(1).some((p) => ids.includes(p.id)),
    'other red photos found',
  );

  const onlyBlue = await api.handlers['search.query']({
    similarToMany: [blues[0]!.id, blues[1]!.id],
    limit: 3,
  });
  assert.deepEqual(new Set(onlyBlue.items.map((p) => p.id)), new Set(blues.slice(2).map((p) => p.id)));
  await assert.rejects(
    api.handlers['search.query']({ similarToMany: ['e'.repeat(64)] }),
    /None of these photos is indexed yet/,
  );
});

test('one caption on several photos makes one training pair each', async () => {
  const reds = (await inFolder('picked')).slice(0, 3).map((p) => p.id);
  const before = await api.handlers['pairs.overview']({});
  const after = await api.handlers['pairs.addMany']({ photoIds: reds, text: 'a red sweater' });
  assert.equal(after.total, before.total + 3);
  assert.equal(after.photos, before.photos + 3);
  for (const id of reds)
    assert.deepEqual((await api.handlers['photos.get']({ id })).captions, ['a red sweater']);
  // The same caption again adds nothing; a selection of photos no longer there is refused.
  assert.equal(
    (await api.handlers['pairs.addMany']({ photoIds: reds, text: 'a red sweater' })).total,
    after.total,
  );
  await assert.rejects(
    api.handlers['pairs.addMany']({ photoIds: ['d'.repeat(64)], text: 'x' }),
    /None of these photos is in the library/,
  );
});

test('XMP export writes sidecars with the confirmed tags of the selected photos only', async () => {
  const reds = await inFolder('picked');
  const confirmed: PhotoSummary[] = [];
  for (const p of reds) if ((await tagOf(p.id, 'red'))?.status === 'confirmed') confirmed.push(p);
  const [a, b, notSelected] = confirmed;
  const blue = (await inFolder('blues'))[4]!; // tagged 'sky' by hand
  const result = await api.handlers['xmp.export']({ photoIds: [a!.id, b!.id, blue.id, 'c'.repeat(64)] });
  assert.equal(result.written, 3);
  assert.deepEqual(
    result.failures.map((f) => f.path),
    ['c'.repeat(64)],
  );
  for (const p of [a!, b!]) assert.match(await readFile(`${p.path}.xmp`, 'utf8'), /<rdf:li>red<\/rdf:li>/);
  assert.match(await readFile(`${blue.path}.xmp`, 'utf8'), /<rdf:li>sky<\/rdf:li>/);
  await assert.rejects(stat(`${notSelected!.path}.xmp`), { code: 'ENOENT' });
});

test('a selection is checked at the door: at least one photo, at most 100,000, a caption not empty', () => {
  assert.equal(MAX_PHOTO_IDS, 100_000);
  const ids = (n: number) => Array.from({ length: n }, (_, i) => String(i).padStart(64, '0'));
  assert.equal(
    validateRequest('tags.confirmMany', { photoIds: ids(MAX_PHOTO_IDS) }).photoIds.length,
    MAX_PHOTO_IDS,
  );
  assert.throws(
    () => validateRequest('tags.confirmMany', { photoIds: ids(MAX_PHOTO_IDS + 1) }),
    /Too many photos at once \(100001; at most 100000\)/,
  );
  assert.throws(() => validateRequest('xmp.export', { photoIds: [] }), /Select at least one photo/);
  assert.throws(() => validateRequest('tags.addMany', { photoIds: 'abc', tag: 'x' }), /list of photo ids/);
  assert.throws(
    () => validateRequest('pairs.addMany', { photoIds: ids(1), text: '  ' }),
    /“text” must not be empty/,
  );
  assert.throws(
    () => validateRequest('review.queue', { tag: 'red', limit: 0 }),
    /“limit” must be a whole number/,
  );
  assert.deepEqual(validateRequest('tags.rejectMany', { photoIds: ids(1) }), { photoIds: ids(1) });
});
