// The pull's temp folder on disk: what is already there (sizes), whether a finished file is right
// (size and SHA-256, else the whole folder is deleted), whether the rest will fit, and removing a folder
// that holds nothing worth resuming.
import { createHash } from 'node:crypto';
import { createReadStream, promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { UserError } from '../errors.js';
import { formatBytes } from '../format-bytes.js';

/** The size of a file, or undefined when there is none. */
export async function statSize(p: string): Promise<number | undefined> {
  try {
    return (await fsp.stat(p)).size;
  } catch {
    return undefined;
  }
}

export async function sha256File(p: string, signal?: AbortSignal): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(p), hash, { signal });
  return hash.digest('hex');
}

/** Removes a temp folder that holds no file (only empty folders): nothing to resume from. */
export async function removeIfHoldsNoFiles(dir: string): Promise<void> {
  const holdsFile = async (d: string): Promise<boolean> => {
    let entries;
    try {
      entries = await fsp.readdir(d, { withFileTypes: true });
    } catch {
      return false;
    }
    for (const e of entries) {
      if (!e.isDirectory() || (await holdsFile(join(d, e.name)))) return true;
    }
    return false;
  };
  if (!(await holdsFile(dir))) await fsp.rm(dir, { recursive: true, force: true });
}

/** Refuses early, with both figures, when the disk cannot hold the `needed` bytes still to come. */
export async function checkFreeSpace(dir: string, needed: number): Promise<void> {
  if (needed <= 0) return;
  await fsp.mkdir(dir, { recursive: true });
  let free: number;
  try {
    const s = await fsp.statfs(dir);
    free = Number(s.bavail) * Number(s.bsize);
  } catch {
    return; // not knowable here: the write itself will report ENOSPC
  }
  if (free < needed) {
    throw new UserError(
      `not enough disk space in ${dir}: the model needs about ${formatBytes(needed)} more, ${formatBytes(free)} is free`,
      'disk-full',
    );
  }
}

/** Checks a downloaded .part file against the size and SHA-256 the catalogue and server gave; deletes everything downloaded (discard) when it is wrong. */
export async function verifyFile(
  partPath: string,
  label: string,
  expected: { size?: number; sha256?: string },
  pinnedSha: string | undefined,
  signal: AbortSignal | undefined,
  discard: () => Promise<void>,
): Promise<void> {
  const got = (await statSize(partPath)) ?? 0;
  if (expected.size !== undefined && got !== expected.size) {
    await discard();
    throw new UserError(
      `${label} is corrupt: expected ${expected.size} bytes, got ${got}; deleted`,
      'checksum-mismatch',
    );
  }
  const wanted = [...new Set([pinnedSha, expected.sha256].filter((s): s is string => !!s))];
  if (wanted.length === 0) return;
  const actual = await sha256File(partPath, signal);
  for (const sha of wanted) {
    if (actual !== sha) {
      await discard();
      throw new UserError(
        `${label} is corrupt: expected sha256 ${sha}, got ${actual}; deleted`,
        'checksum-mismatch',
      );
    }
  }
}
