import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** The shared test photos, read in place (never copied into the repo). */
export const PHOTOS = resolve('../shared/photos/rclip-e2e');
export const ORIENTATION_6 = resolve('../shared/fixtures/preprocess/cases/camera-orientation-6.jpg');

export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'lookbook-media-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
