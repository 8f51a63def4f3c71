// The duplicate finder on generated photos: each original (a PNG) with six near copies (half size, JPEG
// quality 60, WebP, a 5% crop, turned by EXIF orientation, 10% brighter) and, for every colour, a second
// original of the same colour with another pattern. With the demo model (colour only) and with a
// random-weight model of CLIP ViT-B/32's size, every near copy must land in its original's group and no
// two originals may share one; the keeper of each group is its original, with the reason in words. The
// test prints the pairs' precision and recall and the measured similarities that set THRESHOLDS.
import assert from 'node:assert/strict';
import { copyFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createDuplicateHandlers } from '../../main/api/duplicate-handlers.js';
import { validateRequest } from '../../main/api/validate.js';
import { isUserError } from '../../main/errors.js';
import { ensureBenchModel } from '../../bench/bench-model.js';
import { openCore, type Core } from '../../main/core/open-core.js';
import { THRESHOLDS, type FoundGroup } from '../../main/duplicates/duplicate-finder.js';
import { differenceHash, hammingDistance } from '../../main/duplicates/picture-hash.js';
import { tempDir, type ColourName } from '../tagging/colour-photos.js';
import { COPY_KINDS, originalPng, writeCopy } from './near-copies.js';

const COLOURS: ColourName[] = ['red', 'blue', 'green', 'yellow'];
const SEEDS = [1, 2];

let dir: { path: string; cleanup(): Promise<void> };
let root: string;
/** Every generated file's original ("red-1"). */
const originalOf = new Map<string, string>();

before(async () => {
  dir = await tempDir('duplicates');
  root = join(dir.path, 'photos');
  for (const colour of COLOURS) {
    for (const seed of SEEDS) {
      const name = `${colour}-${seed}`;
      const png = await originalPng(colour, seed);
      const folder = join(root, name);
      const original = join(folder, `${name}.png`);
      await writeCopy(png, 'half', folder, name).then((p) => originalOf.set(p, name));
      await writeFile(original, png);
      originalOf.set(original, name);
      for (const kind of COPY_KINDS.filter((k) => k !== 'half'))
        originalOf.set(await writeCopy(png, kind, folder, name), name);
    }
  }
});

after(async () => {
  await dir?.cleanup();
});

/** Precision and recall of the pairs that share a similar group, against the generated truth. */
function pairScores(groups: readonly FoundGroup[]): { precision: number; recall: number; wrong: string[] } {
  const same = (a: string, b: string) => originalOf.get(a) === originalOf.get(b);
  const files = [...originalOf.keys()];
  let truePairs = 0;
  for (let i = 0; i < files.length; i++)
    for (let j = i + 1; j < files.length; j++) if (same(files[i]!, files[j]!)) truePairs++;
  let found = 0;
  let right = 0;
  const wrong: string[] = [];
  for (const g of groups.filter((g) => g.kind === 'similar')) {
    for (let i = 0; i < g.copies.length; i++) {
      for (let j = i + 1; j < g.copies.length; j++) {
        found++;
        if (same(g.copies[i]!.path, g.copies[j]!.path)) right++;
        else wrong.push(`${g.copies[i]!.path} ~ ${g.copies[j]!.path}`);
      }
    }
  }
  return { precision: found === 0 ? 1 : right / found, recall: right / truePairs, wrong };
}

/** The measurements behind THRESHOLDS: near copies' lowest cosine and widest hash distance, and distinct photos' highest cosine and closest hash. */
async function measure(core: Core): Promise<string> {
  const files = [...originalOf.keys()];
  const ids = new Map<string, string>();
  for (const f of files) ids.set(f, (await core.library.contentIdOf(f))!);
  const vectors = await core.library.getImageVectors([...ids.values()]);
  const hashes = new Map<string, bigint>();
  for (const [f, id] of ids) hashes.set(f, await differenceHash(core.library.thumbnailPath(id)!));
  const near = { cosine: 1, bits: 0 };
  const distinct = { cosine: -1, bits: 64 };
  for (let i = 0; i < files.length; i++) {
    for (let j = i + 1; j < files.length; j++) {
      const a = files[i]!;
      const b = files[j]!;
      const va = vectors.get(ids.get(a)!)!;
      const vb = vectors.get(ids.get(b)!)!;
      let cos = 0;
      for (let d = 0; d < va.length; d++) cos += va[d]! * vb[d]!;
      const bits = hammingDistance(hashes.get(a)!, hashes.get(b)!);
      if (originalOf.get(a) === originalOf.get(b)) {
        near.cosine = Math.min(near.cosine, cos);
        near.bits = Math.max(near.bits, bits);
      } else if (a.split('/').at(-2)!.split('-')[0] === b.split('/').at(-2)!.split('-')[0]) {
        distinct.cosine = Math.max(distinct.cosine, cos);
        distinct.bits = Math.min(distinct.bits, bits);
      }
    }
  }
  return `near copies: cosine ≥ ${near.cosine.toFixed(4)}, hash ≤ ${near.bits} bits; distinct photos of one colour: cosine ≤ ${distinct.cosine.toFixed(4)}, hash ≥ ${distinct.bits} bits`;
}

for (const model of ['demo', 'random-vit-b-32'] as const) {
  describe(`duplicates with the ${model} model`, () => {
    let core: Core;
    before(async () => {
      const spec =
        model === 'demo' ? 'demo' : (await ensureBenchModel(resolve('.cache/random-clip'), 'vit-b-32')).dir;
      core = await openCore({ dataDir: join(dir.path, `data-${model}`), model: spec });
      await core.library.addFolder(root);
      await core.library.index();
    });
    after(async () => {
      await core?.close();
    });

    test('every near copy lands in its original’s group, no two originals share one, the original is kept', async () => {
      console.log(
        `[${model}] ${await measure(core)}; thresholds (normal): cosine ≥ ${THRESHOLDS.normal.cosine}, hash ≤ ${THRESHOLDS.normal.hashBits} bits`,
      );
      for (const strictness of ['strict', 'normal', 'loose'] as const) {
        const s = pairScores(await core.duplicates().find({ strictness }));
        console.log(
          `[${model}] ${strictness}: pair precision ${s.precision.toFixed(3)}, recall ${s.recall.toFixed(3)}`,
        );
      }
      const groups = await core.duplicates().find();
      const { precision, recall, wrong } = pairScores(groups);
      assert.deepEqual(wrong, [], 'no two distinct photos share a group');
      assert.equal(precision, 1);
      assert.equal(recall, 1, 'every near copy is in its original’s group');
      assert.equal(groups.length, COLOURS.length * SEEDS.length);
      for (const g of groups) {
        assert.equal(g.kind, 'similar');
        assert.equal(g.copies.length, COPY_KINDS.length + 1);
        assert.match(g.keeperPath, /\.png$/, 'the original PNG is kept');
        assert.equal(g.copies[0]!.path, g.keeperPath);
        assert.equal(g.reason, 'kept: 800×600 PNG; the others are smaller re-encodes');
        assert.equal(
          g.savingBytes,
          g.copies.slice(1).reduce((s, c) => s + c.size, 0),
        );
      }
    });

    if (model === 'demo') {
      test('the API pages the groups, largest saving first, and keeps the user’s choice; bad requests get a clear error', async () => {
        const api = createDuplicateHandlers(core);
        const all = await api['duplicates.list']({});
        assert.equal(all.total, COLOURS.length * SEEDS.length);
        const savings = all.groups.map((g) => g.savingBytes);
        assert.deepEqual(
          savings,
          [...savings].sort((a, b) => b - a),
          'largest saving first',
        );
        assert.equal(
          all.totalSavingBytes,
          savings.reduce((a, b) => a + b, 0),
        );
        const page = await api['duplicates.list']({ offset: 2, limit: 3 });
        assert.equal(page.total, all.total);
        assert.deepEqual(
          page.groups.map((g) => g.id),
          all.groups.slice(2, 5).map((g) => g.id),
        );
        const group = all.groups[0]!;
        assert.equal(group.copies[0]!.id, group.keeperId);
        assert.equal(group.copies[0]!.similarity, null);
        assert.ok(group.copies.slice(1).every((c) => c.similarity !== null && c.similarity > 0.9));
        const other = group.copies[3]!;
        const kept = await api['duplicates.keep']({ groupId: group.id, photoId: other.id });
        assert.equal(kept.keeperId, other.id);
        assert.equal(
          (await api['duplicates.list']({})).groups.find((g) => g.id === group.id)?.keeperId,
          other.id,
        );
        // Back to the rules' choice for the tests below.
        await api['duplicates.keep']({ groupId: group.id, photoId: group.keeperId });

        assert.throws(
          () => validateRequest('duplicates.list', { strictness: 'very' }),
          /strict, normal or loose/,
        );
        assert.throws(
          () => validateRequest('duplicates.keep', { groupId: group.id }),
          /“photoId” must be text/,
        );
        await assert.rejects(
          api['duplicates.keep']({ groupId: 'nope', photoId: other.id }),
          (e: unknown) => isUserError(e) && /no group of duplicates/.test((e as Error).message),
        );
      });

      test('an identical copy is an exact group; a folder narrows the search; the user’s keeper is remembered', async () => {
        const original = join(root, 'red-1', 'red-1.png');
        const copy = join(root, 'red-1', 'red-1 copy.png');
        await copyFile(original, copy);
        await core.library.index();
        const groups = await core.duplicates().find();
        const exact = groups.filter((g) => g.kind === 'exact');
        assert.equal(exact.length, 1);
        assert.deepEqual(exact[0]!.copies.map((c) => c.path).sort(), [copy, original].sort());
        assert.match(exact[0]!.reason, /identical copies/);

        const inFolder = await core.duplicates().find({ folder: join(root, 'blue-2') });
        assert.equal(inFolder.length, 1);
        assert.ok(inFolder[0]!.copies.every((c) => c.path.startsWith(join(root, 'blue-2'))));

        const group = groups.find((g) => g.kind === 'similar' && g.keeperPath.endsWith('blue-2.png'))!;
        const webp = group.copies.find((c) => c.path.endsWith('.webp'))!;
        const kept = await core.duplicates().keep(group.id, webp.path);
        assert.equal(kept.keeperPath, webp.path);
        assert.match(kept.reason, /chosen by you/);
        const again = await core.duplicates().getGroup(group.id);
        assert.equal(again?.keeperPath, webp.path, 'the choice holds for the next listing');
        await assert.rejects(core.duplicates().keep(group.id, original), /not a copy in this group/);

        // The other model's suite reads the same folder: it goes back to the generated photos only.
        await rm(copy);
        await core.library.index();
      });
    }
  });
}
