// Moving a photo into the trash and back without ever losing it. A rename does it in one step on one
// file system. Across file systems (a library on an external drive, the data directory on the system
// disk: EXDEV) the file is copied to a temporary name beside its target, flushed to disk, checked for
// size, renamed into place, and only then is the original removed: a crash at any point leaves the
// original, or both copies, never neither.
import { constants } from 'node:fs';
import { copyFile, link, lstat, open, rename, rm, unlink, utimes } from 'node:fs/promises';
import { UserError } from '../errors.js';
import { tempPathFor } from '../temp-files.js';

const code = (e: unknown) => (e as NodeJS.ErrnoException).code;

/** Copies `from` to `to` (which must not exist) through a temporary name, flushed and size-checked. */
async function copyAcross(from: string, to: string): Promise<void> {
  const before = await lstat(from);
  const tmp = tempPathFor(to);
  try {
    await copyFile(from, tmp, constants.COPYFILE_EXCL);
    const handle = await open(tmp, 'r+');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    const copied = await lstat(tmp);
    if (copied.size !== before.size)
      throw new UserError(
        `Copying ${from} was incomplete (${copied.size} of ${before.size} bytes); it was left where it was.`,
        'copy-incomplete',
      );
    // The file keeps its times, as a rename would: restored, it is the same file to every program.
    await utimes(tmp, before.atime, before.mtime);
    await placeWithoutOverwrite(tmp, to);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/**
 * Renames `from` to `to` unless something is at `to` already (a plain rename would replace it). A hard
 * link fails with EEXIST atomically, so a file that appeared meanwhile is never overwritten; on file
 * systems without hard links (FAT, some network shares) a check-then-rename is the best there is.
 */
async function placeWithoutOverwrite(from: string, to: string): Promise<void> {
  try {
    await link(from, to);
  } catch (e) {
    if (code(e) === 'EEXIST')
      throw new UserError(`${to} exists already; nothing was overwritten.`, 'target-exists');
    if (code(e) === 'EXDEV') throw e;
    if (
      await lstat(to).then(
        () => true,
        () => false,
      )
    )
      throw new UserError(`${to} exists already; nothing was overwritten.`, 'target-exists');
    await rename(from, to);
    return;
  }
  await unlink(from);
}

/**
 * Moves the file at `from` to `to`, never replacing a file at `to` and never removing `from` before
 * its bytes are complete at `to`.
 */
export async function moveFile(from: string, to: string): Promise<void> {
  try {
    await placeWithoutOverwrite(from, to);
  } catch (e) {
    if (code(e) !== 'EXDEV') throw e;
    await copyAcross(from, to);
    await unlink(from);
  }
}
