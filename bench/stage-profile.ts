// Where the indexing time of one photo goes: every stage of the pipeline timed on its own, one photo at
// a time, with nothing else running in this process. Wall time here is the stage's cost on an idle core
// (sharp and onnxruntime may still use more than one thread inside a call; CPU time shows it).
import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import sharp from 'sharp';
import type { ClipEngine } from '../main/engine/types.js';
import { planResize, preprocessImage, preprocessPixels } from '../main/engine/preprocess.js';
import { createMediaPort } from '../main/library/media-port.js';
import { decodeHeic } from '../main/media/heic-decoder.js';
import { median } from './stats.js';

export interface StageCost {
  stage: string;
  /** Median wall milliseconds per photo. */
  wallMs: number;
  /** Median process CPU milliseconds per photo (all threads). */
  cpuMs: number;
}

/**
 * libjpeg-turbo's own command-line decoder at 1/8 scale, when `djpeg` is installed (Debian:
 * libjpeg-turbo-progs): an outside reference for the decode floor, so that the analysis does not rest on
 * sharp's figure alone. Timed by bash's `time` around djpeg itself: starting a child from this process
 * (over a GiB with the model loaded) costs more than the decode, and this process's CPU clock does not
 * see a child's.
 */
function djpegDecoder(): ((photo: string) => Promise<{ wall: number; cpu: number }>) | undefined {
  const probe = spawnSync('djpeg', ['-version'], { stdio: 'ignore' });
  if (probe.error || probe.status !== 0) return undefined;
  const script = 'TIMEFORMAT="%3R %3U %3S"; time djpeg -scale 1/8 -outfile /dev/null "$1"';
  return (photo) =>
    new Promise((resolve, reject) => {
      execFile('bash', ['-c', script, 'djpeg', photo], (e, _stdout, stderr) => {
        const [real, user, sys] = String(stderr).trim().split(/\s+/).slice(-3).map(Number);
        if (e || !Number.isFinite(real) || !Number.isFinite(user) || !Number.isFinite(sys))
          reject(e ?? new Error(`djpeg: ${String(stderr)}`));
        else resolve({ wall: real! * 1000, cpu: (user! + sys!) * 1000 });
      });
    });
}

export const DJPEG_STAGE = 'decode only, libjpeg-turbo (djpeg -scale 1/8)';
export const HEIC_STAGE = 'decode only, the same photo as a HEIC (heic-decode, in a worker)';

/**
 * Most phone photos are HEIC, which sharp's prebuilt libvips cannot decode (no HEVC): Lookbook decodes
 * them with heic-decode. Where libheif's `heif-enc` is installed (Debian: libheif-examples), the first
 * photo is encoded once as a HEIC at a phone's file size and cached beside the JPEGs; otherwise the stage
 * is left out.
 */
async function heicSample(photo: string): Promise<string | undefined> {
  const out = join(dirname(photo), '..', 'heic', basename(photo).replace(/\.jpe?g$/i, '.heic'));
  if (existsSync(out)) return out;
  if (spawnSync('heif-enc', ['--help'], { stdio: 'ignore' }).error) return undefined;
  await mkdir(dirname(out), { recursive: true });
  const made = spawnSync('heif-enc', ['-q', '50', photo, '-o', `${out}.tmp`], { stdio: 'ignore' });
  if (made.status !== 0) return undefined;
  await rename(`${out}.tmp`, out);
  return out;
}

async function cost(fn: () => Promise<unknown>): Promise<{ wall: number; cpu: number }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await fn();
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { wall, cpu: (c.user + c.system) / 1000 };
}

/**
 * Times each indexing stage on `photos` (after one untimed warm-up photo). The model stage is one batch
 * of `batch` tensors divided by its size, as the indexer runs it.
 */
export async function profileStages(
  engine: ClipEngine,
  photos: string[],
  batch: number,
): Promise<StageCost[]> {
  const media = createMediaPort();
  const djpeg = djpegDecoder();
  const heic = await heicSample(photos[0]!);
  const cfg = engine.model.preprocess;
  const thumbs = await mkdtemp(join(tmpdir(), 'lookbook-bench-thumbs-'));
  const samples = new Map<string, { wall: number; cpu: number }[]>();
  const add = (stage: string, c: { wall: number; cpu: number }) =>
    samples.set(stage, [...(samples.get(stage) ?? []), c]);
  try {
    for (const [i, photo] of [photos[0]!, ...photos].entries()) {
      const record = i > 0;
      const stages: [string, () => Promise<unknown>][] = [
        // The JPEG decode alone, at the 1/8 scale libjpeg can decode directly: the floor of any stage that
        // reads the pixels (its entropy decoding cannot be skipped, whatever the scale).
        // (444×333: sharp decodes 500×375 at 1/4, see jpegScaleSize in main/media/index-read.ts.)
        ['decode only (1/8 shrink-on-load)', () => sharp(photo).resize(444, 333).raw().toBuffer()],
        ['hash (BLAKE3, read once)', () => media.hashFile(photo, 'blake3')],
        ['metadata (EXIF)', () => media.readMetadata(photo)],
        ['thumbnail (WebP 256)', () => media.makeThumbnail(photo, join(thumbs, `${i}.webp`))],
        ['image input (probe)', () => media.imageInput(photo)],
        ['preprocess, shrink-on-load on', () => preprocessImage(photo, cfg, { fastShrinkOnLoad: true })],
        [
          'decode once → thumbnail + CLIP tensor (indexer)',
          async () => {
            const r = await media.readForIndex(photo, {
              facts: true,
              thumbnailOut: join(thumbs, `${i}-indexer.webp`),
              model: {
                resizeTo: (w, h) => planResize(w, h, cfg),
              },
            });
            return preprocessPixels(r.pixels, cfg);
          },
        ],
        ['preprocess, shrink-on-load off', () => preprocessImage(photo, cfg, { fastShrinkOnLoad: false })],
      ];

      for (const [stage, fn] of stages) {
        const c = await cost(fn);
        if (record) add(stage, c);
      }
      if (djpeg) {
        const c = await djpeg(photo);
        if (record) add(DJPEG_STAGE, c);
      }
    }
    if (heic) {
      // After the other stages, not among them: collecting its 48 MB of RGBA would land in the next
      // stage's time. process.cpuUsage counts every thread of the process, the decoder's worker included.
      for (let i = 0; i <= 3; i++) {
        const c = await cost(async () => decodeHeic(await readFile(heic)));
        if (i > 0) add(HEIC_STAGE, c);
      }
    }
    const tensor = await engine.preprocess(photos[0]!);
    const tensors = Array.from({ length: batch }, () => tensor);
    await engine.embedImageTensors(tensors);
    for (let r = 0; r < 2; r++) {
      const c = await cost(() => engine.embedImageTensors(tensors));
      add(`model (batch of ${batch}, per image)`, { wall: c.wall / batch, cpu: c.cpu / batch });
    }
  } finally {
    await rm(thumbs, { recursive: true, force: true });
  }
  return [...samples.entries()].map(([stage, s]) => ({
    stage,
    wallMs: median(s.map((x) => x.wall)),
    cpuMs: median(s.map((x) => x.cpu)),
  }));
}
