// Lookbook's trash: `<dataDir>/trash/`, where resolving duplicates puts the copies it does not keep, so
// that nothing is ever deleted outright and every resolution can be undone. Each file lies in a folder
// of its own (`files/<item id>/<its name>`: two photos named IMG_0001.JPG never collide) and
// `manifest.json` remembers where each came from. The manifest is rewritten whole through a temporary
// file (writeFileAtomic) after every change. The trash exists in every mode, Electron's included: undo
// needs the files where Lookbook can find them; "Empty trash" hands them to the system's trash when
// the host offers one (`discard`), else deletes them.
import { randomUUID } from 'node:crypto';
import { lstat, mkdir, readFile, rm, stat, statfs, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { UserError, describeError } from '../errors.js';
import { formatBytes } from '../format-bytes.js';
import { isProcessAlive, tempPathFor, writeFileAtomic } from '../temp-files.js';
import { moveFile } from './move-file.js';

export interface TrashRecord {
  id: string;
  /** Where the file was, and where Restore puts it back. */
  originalPath: string;
  /** Where it lies in the trash now. */
  trashPath: string;
  trashedAt: string;
  sizeBytes: number;
  resolutionId: string | null;
}

export interface TrashOptions {
  /** Free bytes on the file system of `dir` (default: statfs). */
  freeBytes?(dir: string): Promise<number>;
  /** What "Empty trash" does with a file (default: delete it; Electron: the system's trash). */
  discard?(path: string): Promise<void>;
  /** How long to wait for another resolve, undo or restore to finish (default 30 s). */
  lockWaitMs?: number;
}

/** The trash as seen by one change, inside `exclusive`: nobody else changes it meanwhile. */
export interface TrashSession {
  /** The trash folder. */
  readonly dir: string;
  records(): TrashRecord[];
  /**
   * Throws a clear UserError (and moves nothing) when the trash cannot be written or cannot take these
   * files. Only files on another disk need room: a rename on the trash's own disk takes none.
   */
  assertRoomFor(files: ReadonlyArray<{ path: string; sizeBytes: number }>): Promise<void>;
  /** Moves a file into the trash; recorded at once. */
  put(path: string, sizeBytes: number, resolutionId: string | null): Promise<TrashRecord>;
  /** Moves an item back to its original path (never over a file that is there now). */
  takeBack(record: TrashRecord): Promise<void>;
  /** Removes an item for good (or hands it to the system's trash). */
  discard(record: TrashRecord): Promise<void>;
}

export interface Trash {
  readonly dir: string;
  list(): Promise<TrashRecord[]>;
  exclusive<T>(fn: (session: TrashSession) => Promise<T>): Promise<T>;
}

/** Room kept free beyond the files themselves: the manifest and the file system's own needs. */
const SPARE_BYTES = 1024 * 1024;

export function openTrash(dataDir: string, options: TrashOptions = {}): Trash {
  const dir = join(dataDir, 'trash');
  const filesDir = join(dir, 'files');
  const manifestPath = join(dir, 'manifest.json');
  const lockPath = join(dataDir, 'trash.lock');
  const freeBytes =
    options.freeBytes ??
    (async (d: string) => {
      const s = await statfs(d);
      return s.bavail * s.bsize;
    });

  async function readManifest(): Promise<TrashRecord[]> {
    let text: string;
    try {
      text = await readFile(manifestPath, 'utf8');
    } catch (e) {
      const c = (e as NodeJS.ErrnoException).code;
      if (c === 'ENOENT' || c === 'ENOTDIR') return [];
      throw e;
    }
    try {
      return (JSON.parse(text) as { items: TrashRecord[] }).items;
    } catch (e) {
      throw new UserError(
        `The trash's list ${manifestPath} is damaged; the files are still in ${filesDir}.`,
        'trash-damaged',
        {
          cause: e,
        },
      );
    }
  }

  const writeManifest = (items: TrashRecord[]) =>
    writeFileAtomic(manifestPath, JSON.stringify({ version: 1, items }, null, 1) + '\n');

  /** Can the trash be written at all? A probe file says so better than permission bits (root ignores them). */
  async function assertWritable(): Promise<void> {
    try {
      await mkdir(filesDir, { recursive: true });
      const probe = tempPathFor(join(filesDir, 'probe'));
      await writeFile(probe, '', { flag: 'wx' });
      await rm(probe, { force: true });
    } catch (e) {
      throw unwritable(e);
    }
  }

  function unwritable(e: unknown): UserError {
    const c = (e as NodeJS.ErrnoException).code;
    const why =
      c === 'EROFS' || c === 'EACCES' || c === 'EPERM'
        ? 'it is read-only'
        : c === 'ENOTDIR' || c === 'EEXIST'
          ? 'something that is not a folder is in its place'
          : c === 'ENOSPC'
            ? 'its disk is full'
            : describeError(e);
    return new UserError(
      `The trash (${dir}) cannot be written: ${why}. Nothing was moved.`,
      'trash-unwritable',
      {
        cause: e,
      },
    );
  }

  /**
   * One change at a time, across processes (the app and a `lookbook duplicates resolve` in a terminal):
   * an exclusively created lock file holding our pid. A lock whose process is gone is taken over.
   */
  async function exclusive<T>(fn: (session: TrashSession) => Promise<T>): Promise<T> {
    const deadline = Date.now() + (options.lockWaitMs ?? 30_000);
    await mkdir(dataDir, { recursive: true }).catch(() => undefined);
    for (;;) {
      try {
        await writeFile(lockPath, String(process.pid), { flag: 'wx' });
        break;
      } catch (e) {
        const c = (e as NodeJS.ErrnoException).code;
        if (c !== 'EEXIST') throw unwritable(e);
        const holder = Number(await readFile(lockPath, 'utf8').catch(() => ''));
        if (Number.isInteger(holder) && holder > 0 && !isProcessAlive(holder)) {
          await rm(lockPath, { force: true });
          continue;
        }
        if (Date.now() > deadline)
          throw new UserError(
            'Another resolve, undo or restore is using the trash; try again when it has finished.',
            'trash-busy',
          );
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    try {
      const listed = await readManifest();
      let items = await presentOnly(listed);
      if (items.length < listed.length) await writeManifest(items);
      const session: TrashSession = {
        dir,
        records: () => [...items],
        async assertRoomFor(files) {
          await assertWritable();
          const trashDevice = (await stat(filesDir)).dev;
          let bytes = 0;
          for (const f of files) if ((await stat(f.path)).dev !== trashDevice) bytes += f.sizeBytes;
          if (bytes === 0) return;
          const free = await freeBytes(dir);
          if (free < bytes + SPARE_BYTES)
            throw new UserError(
              `The trash's disk is full: moving these copies needs ${formatBytes(bytes)} and ${formatBytes(Math.max(0, free))} is free. Nothing was moved.`,
              'trash-full',
            );
        },
        async put(path, sizeBytes, resolutionId) {
          const id = randomUUID();
          const record: TrashRecord = {
            id,
            originalPath: path,
            trashPath: join(filesDir, id, basename(path)),
            trashedAt: new Date().toISOString(),
            sizeBytes,
            resolutionId,
          };
          // Listed before it moves: a run killed in between leaves an entry that the next one drops
          // (its file is still at the original path), never a file in the trash that nothing lists.
          items = [...items, record];
          await writeManifest(items);
          try {
            await mkdir(join(filesDir, id), { recursive: true });
            await moveFile(path, record.trashPath);
          } catch (e) {
            await rm(join(filesDir, id), { recursive: true, force: true });
            items = items.filter((i) => i.id !== id);
            await writeManifest(items);
            throw e;
          }
          return record;
        },
        async takeBack(record) {
          if (
            await lstat(record.originalPath).then(
              () => true,
              () => false,
            )
          )
            throw new UserError(
              `${record.originalPath} exists again; the copy in the trash was left there.`,
              'target-exists',
            );
          await mkdir(join(record.originalPath, '..'), { recursive: true });
          await moveFile(record.trashPath, record.originalPath);
          await rm(join(filesDir, record.id), { recursive: true, force: true });
          items = items.filter((i) => i.id !== record.id);
          await writeManifest(items);
        },
        async discard(record) {
          if (options.discard) await options.discard(record.trashPath);
          await rm(join(filesDir, record.id), { recursive: true, force: true });
          items = items.filter((i) => i.id !== record.id);
          await writeManifest(items);
        },
      };
      return await fn(session);
    } finally {
      await rm(lockPath, { force: true });
    }
  }

  /** The entries whose file is in the trash (an entry of a move that a killed run never made is not). */
  async function presentOnly(items: TrashRecord[]): Promise<TrashRecord[]> {
    const present = await Promise.all(
      items.map((i) =>
        lstat(i.trashPath).then(
          () => true,
          () => false,
        ),
      ),
    );
    return items.filter((_, n) => present[n]);
  }

  return { dir, list: async () => presentOnly(await readManifest()), exclusive };
}
