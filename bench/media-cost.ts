// CPU per photo outside the model, and HEIC from its embedded thumbnail (issue 15, items 4 and 5):
//   node --import tsx bench/media-cost.ts [--photos 16] [--rounds 3] [--heic 6] [--copies 4]
// 1. For 12-MP JPEGs (the bench's synthetic set): what indexing spends per photo outside the model (one
//    read, the content hash, one decode for the thumbnail and the model's input, EXIF, the WebP
//    thumbnail, the tensor) next to libjpeg-turbo's own `djpeg -scale 1/8` on the same files (Debian:
//    libjpeg-turbo-progs), as a ratio; and how much the model's view changes against a full decode
//    (mean abs diff of its input, cosine of the bench model's embeddings). Ours and djpeg run in
//    alternating passes over all the photos, `--rounds` times: a child process started between two of
//    our photos would leave them its cold caches. Then the floor of the work itself: djpeg's decode plus
//    each other required part alone (read + hash, probe, EXIF, the WebP encode, the model input).
// 2. An all-HEIC library (the same photos encoded by heif-enc, with and without the 320×240 thumbnail
//    phones embed) indexed end to end with the bench's ViT-B/32-sized model: photos per second from the
//    thumbnail vs from the full decode (what every HEIC cost before), and the cosine between the two
//    embeddings of each photo.
// Writes its own section of BENCHMARKS.md (npm run bench keeps it). Run it under `nice -n 10`.
import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { openCore } from '../main/core/open-core.js';
import { createClipEngine } from '../main/engine/clip-engine.js';
import { planResize, preprocessImage, preprocessPixels } from '../main/engine/preprocess.js';
import type { PreprocessConfig } from '../main/engine/types.js';
import { contentId, readAndHash } from '../main/media/content-id.js';
import { decodeResized, loadImage } from '../main/media/decode.js';
import { readForIndex, sharedDecodeSize } from '../main/media/index-read.js';
import { metadataOfProbed } from '../main/media/metadata.js';
import { makeThumbnailFromPixels, THUMBNAIL_WEBP, thumbnailSize } from '../main/media/thumbnail.js';
import { cosine } from '../main/models/quantize.js';
import { writeFileAtomic } from '../main/temp-files.js';
import { ensureBenchModel } from './bench-model.js';
import { MEDIA_COST_SECTION_END, MEDIA_COST_SECTION_START } from './report.js';
import { median } from './stats.js';
import { ensureSyntheticPhotos } from './synthetic-photos.js';

const { values: args } = parseArgs({
  options: {
    photos: { type: 'string', default: '16' },
    rounds: { type: 'string', default: '3' },
    heic: { type: 'string', default: '6' },
    copies: { type: 'string', default: '4' },
  },
});
const OUT = resolve('bench/out');
/** OpenAI CLIP's preprocessing, as the ViT-B/32 models (and the bench model) declare it. */
const CLIP_PREPROCESS: PreprocessConfig = {
  size: 224,
  mean: [0.48145466, 0.4578275, 0.40821073],
  std: [0.26862954, 0.26130258, 0.27577711],
  resizeMode: 'shortest',
  interpolation: 'bicubic',
};
function meanAbsDiff(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
}
const load = () => loadavg().map((n) => n.toFixed(2));
const log = (s: string) => console.log(`[media-cost] ${s}`);

/** CPU ms of this process (all threads) while `fn` runs. */
async function cpuOf(fn: () => Promise<unknown>): Promise<number> {
  const c0 = process.cpuUsage();
  await fn();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000;
}

/** djpeg's own CPU time, measured by bash's `time` around it (this process's clock does not see a child). */
function djpegCpu(photo: string): Promise<number> {
  const script = 'TIMEFORMAT="%3U %3S"; time djpeg -scale 1/8 -outfile /dev/null "$1"';
  return new Promise((resolve, reject) =>
    execFile('bash', ['-c', script, 'djpeg', photo], (e, _o, stderr) => {
      const [user, sys] = String(stderr).trim().split(/\s+/).slice(-2).map(Number);
      if (e || !Number.isFinite(user) || !Number.isFinite(sys)) reject(e ?? new Error(String(stderr)));
      else resolve((user! + sys!) * 1000);
    }),
  );
}

async function encodeHeic(jpeg: string, out: string, thumbnail: boolean): Promise<string> {
  if (existsSync(out)) return out;
  await mkdir(join(out, '..'), { recursive: true });
  const made = spawnSync('heif-enc', [
    '-q',
    '50',
    ...(thumbnail ? ['-t', '320'] : []),
    '-o',
    `${out}.tmp`,
    jpeg,
  ]);
  if (made.status !== 0) throw new Error(`heif-enc failed: ${String(made.stderr)}`);
  await rename(`${out}.tmp`, out);
  return out;
}

async function main() {
  if (spawnSync('djpeg', ['-version']).error) throw new Error('install libjpeg-turbo-progs (djpeg)');
  if (spawnSync('heif-enc', ['--help']).error) throw new Error('install libheif-examples (heif-enc)');
  const count = Number(args.photos);
  const set = await ensureSyntheticPhotos({ dir: join(OUT, 'photos'), count: count + 1 });
  const loadBefore = load();
  log(`load average ${loadBefore.join(' ')}`);

  // 1. JPEG: outside the model, per photo, against djpeg -scale 1/8.
  const model = { resizeTo: (w: number, h: number) => planResize(w, h, CLIP_PREPROCESS) };
  const thumbs = await mkdtemp(join(tmpdir(), 'lookbook-media-cost-'));
  // Per photo (the first is a warm-up), its CPU in each round.
  const measured = set.files.slice(1);
  const ours: number[][] = measured.map(() => []);
  const djpeg: number[][] = measured.map(() => []);
  const sha: number[] = [];
  const blake: number[] = [];
  const indexed: Float32Array[] = [];
  let stages: StageCost[] = [];
  try {
    const indexRead = async (photo: string, out: string) => {
      // As the indexer does: one read, hashed, then decoded from the same bytes.
      const { bytes } = await readAndHash(photo, 'blake3');
      const r = await readForIndex(photo, {
        model,
        metadata: true,
        thumbnailOut: join(thumbs, out),
        ...(bytes ? { bytes } : {}),
      });
      return preprocessPixels(r.pixels, CLIP_PREPROCESS);
    };
    await indexRead(set.files[0]!, 'warm-up.webp');
    await djpegCpu(set.files[0]!);
    for (let round = 0; round < Number(args.rounds); round++) {
      for (const [i, photo] of measured.entries()) {
        let tensor: Float32Array = new Float32Array(0);
        ours[i]!.push(await cpuOf(async () => (tensor = await indexRead(photo, `${round}-${i}.webp`))));
        if (round === 0) indexed.push(tensor);
      }
      for (const [i, photo] of measured.entries()) djpeg[i]!.push(await djpegCpu(photo));
    }
    for (const photo of measured) {
      sha.push(await cpuOf(() => contentId(photo, 'sha256')));
      blake.push(await cpuOf(() => contentId(photo, 'blake3')));
    }
    stages = await stageCosts(set.files, thumbs, model);
  } finally {
    await rm(thumbs, { recursive: true, force: true });
  }
  // The model's view: the indexing decode (libjpeg's 1/8 scale where it covers the need) vs a full decode.
  const benchModel = await ensureBenchModel(OUT, 'vit-b-32');
  const full = await Promise.all(
    set.files.slice(1).map((p) => preprocessImage(p, CLIP_PREPROCESS, { fastShrinkOnLoad: false })),
  );
  const engine = await createClipEngine({ model: benchModel.dir });
  let view: { diffMedian: number; diffMax: number; cosineMedian: number; cosineMin: number };
  try {
    const [a, b] = [await engine.embedImageTensors(indexed), await engine.embedImageTensors(full)];
    const diffs = indexed.map((t, i) => meanAbsDiff(t, full[i]!));
    const cosines = a.map((v, i) => cosine(v, b[i]!));
    view = {
      diffMedian: median(diffs),
      diffMax: Math.max(...diffs),
      cosineMedian: median(cosines),
      cosineMin: Math.min(...cosines),
    };
  } finally {
    await engine.close();
  }
  const oursPerPhoto = ours.map(median);
  const djpegPerPhoto = djpeg.map(median);
  const djpegMs = median(djpegPerPhoto);
  // The floor: djpeg's decode stands for ours; every other part is counted alone, without the resize
  // steps between them (the thumbnail's own encode, not the resize before it).
  const floorParts = stages.filter((st) => st.inFloor);
  const floor = djpegMs + floorParts.reduce((a, st) => a + st.ms, 0);
  const jpeg = {
    view,
    stages,
    ours: median(oursPerPhoto),
    djpeg: djpegMs,
    ratio: median(oursPerPhoto.map((o, i) => o / djpegPerPhoto[i]!)),
    floor,
    floorRatio: floor / djpegMs,
    floorParts: floorParts.map((st) => st.label),
    sha256: median(sha),
    blake3: median(blake),
  };
  log(
    `JPEG outside the model ${jpeg.ours.toFixed(1)} ms vs djpeg ${jpeg.djpeg.toFixed(1)} ms: ${jpeg.ratio.toFixed(2)}×`,
  );

  // 2. HEIC: an all-HEIC library indexed end to end, from the thumbnail vs from the full decode.
  const heicCount = Math.min(Number(args.heic), set.files.length);
  const dirs = {
    preview: join(OUT, 'heic-library', 'with-thumbnail'),
    full: join(OUT, 'heic-library', 'no-thumbnail'),
  };
  const copies = Number(args.copies);
  for (const jpegFile of set.files.slice(0, heicCount)) {
    const name = basename(jpegFile).replace(/\.jpg$/, '.heic');
    for (const [dir, thumbnail] of [
      [dirs.preview, true],
      [dirs.full, false],
    ] as const) {
      const heicFile = await encodeHeic(jpegFile, join(dir, name), thumbnail);
      // heif-enc takes seconds per 12-MP photo: more photos are copies made distinct by a trailing
      // ISOBMFF 'free' box (ignored by readers), so each is its own content and is decoded again.
      const bytes = await readFile(heicFile);
      for (let k = 1; k < copies; k++) {
        const free = Buffer.alloc(16);
        free.writeUInt32BE(16, 0);
        free.write('free', 4, 'latin1');
        free.writeUInt32BE(k, 12);
        await writeFileAtomic(
          join(dir, name.replace(/\.heic$/, `-copy${k}.heic`)),
          Buffer.concat([bytes, free]),
        );
      }
    }
  }
  const runs: Record<
    string,
    { photosPerSecond: number; cpuPerPhoto: number; vectors: Map<string, Float32Array> }
  > = {};
  for (const which of ['full', 'preview'] as const) {
    const dataDir = await mkdtemp(join(tmpdir(), `lookbook-media-cost-${which}-`));
    const core = await openCore({ dataDir, model: benchModel.dir });
    try {
      await core.library.addFolder(dirs[which]);
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const stats = await core.library.index();
      const seconds = (performance.now() - t0) / 1000;
      const c = process.cpuUsage(c0);
      const vectors = new Map<string, Float32Array>();
      for (const f of (await core.library.store.allFiles()).filter((f) => f.contentId)) {
        const v = (await core.library.getImageVectors([f.contentId!])).get(f.contentId!);
        if (v) vectors.set(basename(f.path), v);
      }
      runs[which] = {
        photosPerSecond: stats.encoded / seconds,
        cpuPerPhoto: (c.user + c.system) / 1000 / stats.encoded,
        vectors,
      };
      log(
        `HEIC ${which}: ${runs[which].photosPerSecond.toFixed(2)} photos/s, ${runs[which].cpuPerPhoto.toFixed(0)} ms CPU each`,
      );
    } finally {
      await core.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  }
  const cosines = [...runs.preview!.vectors]
    .filter(([name]) => !name.includes('-copy'))
    .map(([name, v]) => cosine(v, runs.full!.vectors.get(name)!));
  const heic = {
    photos: heicCount * copies,
    distinct: heicCount,
    full: runs.full!,
    preview: runs.preview!,
    speedup: runs.preview!.photosPerSecond / runs.full!.photosPerSecond,
    cosineMedian: median(cosines),
    cosineMin: Math.min(...cosines),
  };
  const loadAfter = load();
  await writeSection({ count, rounds: Number(args.rounds), jpeg, heic, loadBefore, loadAfter });
}

interface StageCost {
  label: string;
  /** CPU ms, median over the photos. */
  ms: number;
  /** A step of the indexing read (counted in its sum). */
  inRead: boolean;
  /** Part of the floor of the work (the decode's place there is djpeg's own). */
  inFloor: boolean;
}

/**
 * Where that CPU goes: each stage of the indexing read timed on its own (medians over the photos, the
 * first a warm-up), so the distance to djpeg can be read stage by stage.
 */
async function stageCosts(
  files: string[],
  thumbs: string,
  model: { resizeTo(w: number, h: number): { width: number; height: number } },
): Promise<StageCost[]> {
  const costs = new Map<string, { samples: number[]; inRead: boolean; inFloor: boolean }>();
  for (const [i, photo] of files.entries()) {
    type Kind = { inRead: boolean; inFloor: boolean };
    const record = (label: string, kind: Kind, ms: number) => {
      if (i === 0) return; // warm-up
      const cost = costs.get(label) ?? { samples: [], ...kind };
      cost.samples.push(ms);
      costs.set(label, cost);
    };
    const time = async (label: string, kind: Kind, fn: () => Promise<unknown>) =>
      record(label, kind, await cpuOf(fn));
    const step = { inRead: true, inFloor: true };
    let bytes: Buffer | undefined;
    await time('read + BLAKE3 hash', step, async () => ({ bytes } = await readAndHash(photo, 'blake3')));
    let image!: Awaited<ReturnType<typeof loadImage>>;
    await time('header probe (sharp)', step, async () => (image = await loadImage(photo, { bytes })));
    await time('EXIF (exifr)', step, () => metadataOfProbed(image, bytes));
    const m = model.resizeTo(image.width, image.height);
    const thumb = thumbnailSize(image.width, image.height, 256);
    const size = sharedDecodeSize(image.width, image.height, m, thumb, { shrinkOnLoad: true });
    let pixels!: Awaited<ReturnType<typeof decodeResized>>;
    // In the read, not in the floor: the decode's place there is djpeg's, and the thumbnail's its encode.
    const readOnly = { inRead: true, inFloor: false };
    await time(
      `decode to ${size.width}×${size.height} (libjpeg 1/8 + lanczos3)`,
      readOnly,
      async () => (pixels = await decodeResized(image, size)),
    );
    await time('thumbnail (resize + WebP, written)', readOnly, () =>
      makeThumbnailFromPixels(pixels, join(thumbs, `stage-${i}.webp`)),
    );
    // The encode alone, from pixels already at the thumbnail's size, to memory: the part no resize or
    // file system call can remove (the settings are the thumbnail's own).
    const small = await sharp(pixels.data, { raw: pixels })
      .resize(thumb.width, thumb.height, { fit: 'fill' })
      .raw()
      .toBuffer({ resolveWithObject: true });
    const encodeAlone = await cpuOf(() =>
      sharp(small.data, { raw: small.info }).webp(THUMBNAIL_WEBP).toBuffer(),
    );
    await time('model input (bicubic, crop, normalize)', step, () =>
      preprocessPixels(pixels, CLIP_PREPROCESS),
    );
    // Listed after the read's steps; measured above, beside the thumbnail it is part of.
    record(
      `of which the WebP encode alone (${thumb.width}×${thumb.height}, not in the sum)`,
      { inRead: false, inFloor: true },
      encodeAlone,
    );
  }
  return [...costs].map(([label, c]) => ({
    label,
    ms: median(c.samples),
    inRead: c.inRead,
    inFloor: c.inFloor,
  }));
}

async function writeSection(r: {
  count: number;
  rounds: number;
  jpeg: {
    ours: number;
    djpeg: number;
    ratio: number;
    floor: number;
    floorRatio: number;
    floorParts: string[];
    sha256: number;
    blake3: number;
    view: { diffMedian: number; diffMax: number; cosineMedian: number; cosineMin: number };
    stages: StageCost[];
  };
  heic: {
    photos: number;
    distinct: number;
    full: { photosPerSecond: number; cpuPerPhoto: number };
    preview: { photosPerSecond: number; cpuPerPhoto: number };
    speedup: number;
    cosineMedian: number;
    cosineMin: number;
  };
  loadBefore: string[];
  loadAfter: string[];
}) {
  const f1 = (n: number) => n.toFixed(1);
  const f2 = (n: number) => n.toFixed(2);
  const section = [
    MEDIA_COST_SECTION_START,
    '## Outside the model: JPEG decode cost and HEIC thumbnails (bench/media-cost.ts)',
    '',
    `Load average (1/5/15 min) before ${r.loadBefore.join(' / ')}, after ${r.loadAfter.join(' / ')}; ` +
      'run under `nice -n 10` on a shared machine. Medians; ratios are measured in this one run.',
    '',
    '| | ours | reference | ratio | target |',
    '|---|---|---|---|---|',
    `| CPU per 12-MP JPEG outside the model (one read, hash, one decode, EXIF, thumbnail, tensor), ${r.count} photos, ${r.rounds} rounds | ` +
      `${f1(r.jpeg.ours)} ms | \`djpeg -scale 1/8\` ${f1(r.jpeg.djpeg)} ms | ${f2(r.jpeg.ratio)}× | ≤ 1.25× |`,
    `| the floor of that work: djpeg's decode plus each other part alone (${r.jpeg.floorParts.join('; ')}) | ` +
      `${f1(r.jpeg.floor)} ms | \`djpeg -scale 1/8\` ${f1(r.jpeg.djpeg)} ms | ${f2(r.jpeg.floorRatio)}× | |`,
    `| the model's input from that decode vs a full decode: mean abs diff; cosine of the bench model's embeddings | ` +
      `${r.jpeg.view.diffMedian.toFixed(4)} median, ${r.jpeg.view.diffMax.toFixed(4)} max; ` +
      `cosine median ${r.jpeg.view.cosineMedian.toFixed(5)}, minimum ${r.jpeg.view.cosineMin.toFixed(5)} | | | |`,
    `| content hash of one photo | BLAKE3 ${f2(r.jpeg.blake3)} ms | SHA-256 ${f2(r.jpeg.sha256)} ms | ` +
      `${f2(r.jpeg.blake3 / r.jpeg.sha256)}× | |`,
    `| all-HEIC library, ${r.heic.photos} 12-MP photos (${r.heic.distinct} distinct images), end to end (ViT-B/32-sized model) | ` +
      `${f2(r.heic.preview.photosPerSecond)} photos/s from the thumbnail (${r.heic.preview.cpuPerPhoto.toFixed(0)} ms CPU each) | ` +
      `${f2(r.heic.full.photosPerSecond)} photos/s from the full decode (${r.heic.full.cpuPerPhoto.toFixed(0)} ms CPU each) | ` +
      `${f2(r.heic.speedup)}× | ≥ 5× |`,
    `| embedding from the thumbnail vs the full decode, cosine | median ${r.heic.cosineMedian.toFixed(4)}, ` +
      `minimum ${r.heic.cosineMin.toFixed(4)} | | | |`,
    '',
    `Stage by stage (each timed on its own, medians; djpeg -scale 1/8 ${f1(r.jpeg.djpeg)} ms):`,
    '',
    '| stage | CPU ms |',
    '|---|---|',
    ...r.jpeg.stages.map((st) => `| ${st.label} | ${f1(st.ms)} |`),
    `| sum | ${f1(r.jpeg.stages.reduce((a, st) => (st.inRead ? a + st.ms : a), 0))} |`,
    '',
    'The bench model has random weights: its cosine says how much the picture the model sees changes, not ' +
      'how search ranks. HEICs are made by heif-enc (-q 50) with the 320×240 thumbnail phones embed.',
    '',
    '`nice -n 10 node --import tsx bench/media-cost.ts [--photos 16] [--rounds 3] [--heic 6] [--copies 4]`',
    MEDIA_COST_SECTION_END,
  ].join('\n');
  const file = 'BENCHMARKS.md';
  const old = existsSync(file) ? await readFile(file, 'utf8') : '';
  const a = old.indexOf(MEDIA_COST_SECTION_START);
  const b = old.indexOf(MEDIA_COST_SECTION_END);
  const next =
    a >= 0 && b > a
      ? old.slice(0, a) + section + old.slice(b + MEDIA_COST_SECTION_END.length)
      : `${old.replace(/\n*$/, '')}\n\n${section}\n`;
  await writeFileAtomic(file, next);
  console.log(section);
}

await main();
