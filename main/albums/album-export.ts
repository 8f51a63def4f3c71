import { constants } from 'node:fs';
import { copyFile, link, mkdir, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { describeError, UserError } from '../errors.js';
import { isUnder } from '../paths.js';
import { tempPathFor } from '../temp-files.js';

// Copying an album's originals into a folder the user chose. Nothing there is ever overwritten: each
// original is copied to a temporary name in the destination, then published under its own name with
// link(), which fails when the name is taken (the way library/index-lock.ts publishes its file), so a
// file that appears meanwhile is not replaced either; a taken name gets " (2)", " (3)"… instead.

export interface ExportSource {
  contentId: string;
  /** Where the original is (the first of its copies). */
  path: string;
}

export interface ExportResult {
  destination: string;
  /** Each original copied, and the path it got. */
  copied: Array<{ from: string; to: string }>;
  failures: Array<{ path: string; reason: string }>;
}

/** "beach.jpg", 2 → "beach (2).jpg". */
export function suffixedName(name: string, n: number): string {
  if (n <= 1) return name;
  const ext = extname(name);
  const stem = ext && ext !== name ? name.slice(0, -ext.length) : name;
  return `${stem} (${n})${ext && ext !== name ? ext : ''}`;
}

/**
 * The destination, ready to write into: created if missing (its parent must exist), refused when it is
 * inside a library folder (the copies would be indexed back in as new photos) or cannot be written.
 * Runs before anything is copied.
 */
export async function prepareDestination(
  destination: string,
  libraryFolders: readonly string[],
): Promise<string> {
  const dest = resolve(destination);
  const inside = libraryFolders.find((f) => isUnder(dest, f));
  if (inside)
    throw new UserError(
      `${dest} is inside the library folder ${inside}: the copies would be added to the library again. ` +
        'Choose a folder outside the library.',
      'export-inside-library',
    );
  const existing = await stat(dest).catch(() => undefined);
  if (existing && !existing.isDirectory())
    throw new UserError(
      `${dest} is a file, not a folder: choose a folder to copy the photos into.`,
      'not-a-folder',
    );
  if (!existing) {
    const parent = await stat(dirname(dest)).catch(() => undefined);
    if (!parent?.isDirectory())
      throw new UserError(
        `The folder ${dirname(dest)} does not exist: create it first, or choose another place.`,
        'folder-not-found',
      );
    try {
      await mkdir(dest);
    } catch (e) {
      throw new UserError(`Lookbook cannot create the folder ${dest}: ${describeError(e)}.`, 'not-writable', {
        cause: e,
      });
    }
  }
  // Writing a file is the only check that holds everywhere (permissions, read-only drives, ACLs, root).
  const probe = tempPathFor(join(dest, 'lookbook-write-check'));
  try {
    await writeFile(probe, '', { flag: 'wx' });
  } catch (e) {
    throw new UserError(
      `Lookbook cannot write into ${dest} (${describeError(e)}); choose a folder you can write to.`,
      'not-writable',
      { cause: e },
    );
  } finally {
    await rm(probe, { force: true });
  }
  return dest;
}

/** Publishes `tmp` as `target` without replacing anything: false when `target` is taken. */
async function publish(tmp: string, target: string): Promise<boolean> {
  try {
    await link(tmp, target);
    await unlink(tmp);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    // File systems without hard links (FAT, exFAT, some network drives): an exclusive copy does the same
    // job (it fails when the name is taken); a half-written copy is removed, the target was ours.
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'ENOSYS') {
      try {
        await copyFile(tmp, target, constants.COPYFILE_EXCL);
      } catch (c) {
        if ((c as NodeJS.ErrnoException).code === 'EEXIST') return false;
        await rm(target, { force: true });
        throw c;
      }
      await unlink(tmp);
      return true;
    }
    throw e;
  }
}

/** Why one copy failed, in words (not the temporary file's name, which the person never sees). */
function copyFailure(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'the original is no longer there (moved or deleted since it was indexed)';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  return describeError(e);
}

/**
 * Copies each source into `dest` (prepared by prepareDestination), byte for byte, keeping its file name
 * (suffixed when taken). One failure does not stop the others; no temporary file stays behind.
 */
export async function copyOriginals(sources: readonly ExportSource[], dest: string): Promise<ExportResult> {
  const copied: ExportResult['copied'] = [];
  const failures: ExportResult['failures'] = [];
  for (const source of sources) {
    const name = basename(source.path);
    const tmp = tempPathFor(join(dest, name));
    try {
      await copyFile(source.path, tmp, constants.COPYFILE_EXCL);
      let to: string | undefined;
      for (let n = 1; !to; n++) {
        const target = join(dest, suffixedName(name, n));
        if (await publish(tmp, target)) to = target;
      }
      copied.push({ from: source.path, to });
    } catch (e) {
      failures.push({ path: source.path, reason: copyFailure(e) });
    } finally {
      await rm(tmp, { force: true });
    }
  }
  return { destination: dest, copied, failures };
}
