// Where the indexing time of one photo goes: every stage of the pipeline timed on its own, one photo at
// a time, with nothing else running in this process. Wall time here is the stage's cost on an idle core
// (sharp and onnxruntime may still use more than one thread inside a call; CPU time shows it).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import type { ClipEngine } from '../main/engine/types.js';
import { planResize, preprocessImage, preprocessPixels } from '../main/engine/preprocess.js';
import { createMediaPort } from '../main/library/media-port.js';
import { median } from './stats.js';

export interface StageCost {
  stage: string;
  /** Median wall milliseconds per photo. */
  wallMs: number;
  /** Median process CPU milliseconds per photo (all threads). */
  cpuMs: number;
}

/**
 * A prototype of what the indexer could do instead of decoding each photo twice (once for the thumbnail,
 * once for the CLIP tensor): one decode at the scale libjpeg shrinks to for both (1/8 of a 12-MP photo is
 * 500×375, above both the 256-px thumbnail and the 224-px crop's resize), then both outputs from those
 * pixels. Not the indexer's code: it measures what the change would save.
 */
export async function decodeOnce(photo: string, size: number, thumbFile: string): Promise<void> {
  const meta = await sharp(photo).metadata();
  const w = meta.autoOrient?.width ?? meta.width ?? 0;
  const h = meta.autoOrient?.height ?? meta.height ?? 0;
  const scale = Math.max(256, size) / Math.min(w, h);
  const shrink = scale <= 1 / 8 ? 8 : scale <= 1 / 4 ? 4 : scale <= 1 / 2 ? 2 : 1;
  const { data, info } = await sharp(photo)
    .autoOrient()
    .resize(Math.ceil(w / shrink), Math.ceil(h / shrink), { fit: 'fill' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const raw = { raw: { width: info.width, height: info.height, channels: info.channels } } as const;
  const short = Math.min(info.width, info.height);
  const tw = Math.round((info.width * 256) / short);
  const th = Math.round((info.height * 256) / short);
  const cw = Math.trunc((info.width * size) / short);
  const ch = Math.trunc((info.height * size) / short);
  await Promise.all([
    sharp(data, raw).resize(tw, th, { fit: 'fill' }).webp({ quality: 80, effort: 4 }).toFile(thumbFile),
    sharp(data, raw)
      .resize(cw, ch, { fit: 'fill', kernel: 'cubic' })
      .extract({ left: (cw - size) >> 1, top: (ch - size) >> 1, width: size, height: size })
      .raw()
      .toBuffer(),
  ]);
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
        ['decode only (1/8 shrink-on-load)', () => sharp(photo).resize(500, 375).raw().toBuffer()],
        ['hash (SHA-256)', () => media.contentId(photo)],
        ['metadata (EXIF)', () => media.readMetadata(photo)],
        ['thumbnail (WebP 256)', () => media.makeThumbnail(photo, join(thumbs, `${i}.webp`))],
        ['image input (probe)', () => media.imageInput(photo)],
        ['preprocess, shrink-on-load on', () => preprocessImage(photo, cfg, { fastShrinkOnLoad: true })],
        [
          'decode once → thumbnail + CLIP tensor (prototype)',
          () => decodeOnce(photo, cfg.size, join(thumbs, `${i}-once.webp`)),
        ],
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
