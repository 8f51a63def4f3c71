// Model archives (.zip, .tar, .tar.gz) for `models import`: read through once before anything is written,
// then extracted. The first pass refuses, with a sentence a person can act on, what should not be
// unpacked: an archive that is cut short or damaged (an interrupted download), one that would expand to
// more than any CLIP model (a "zip bomb": 1 GiB of zeros fits in 1 MB), and names that climb out of the
// extraction folder. Doing this before extracting means a refused archive writes nothing at all, and
// extraction itself seldom fails halfway (see removeWorkFolder for when it does).
import { createReadStream, createWriteStream, promises as fsp } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar';
import yauzl from 'yauzl';
import { describeError, UserError } from '../errors.js';
import { formatBytes } from '../format-bytes.js';
import { logWarning } from '../log.js';
import { isUnder } from '../paths.js';

export type ArchiveKind = 'zip' | 'tar' | 'tgz';

export function archiveKind(path: string): ArchiveKind | undefined {
  const p = path.toLowerCase();
  if (p.endsWith('.zip')) return 'zip';
  if (p.endsWith('.tar.gz') || p.endsWith('.tgz')) return 'tgz';
  if (p.endsWith('.tar')) return 'tar';
  return undefined;
}

export interface SizeLimits {
  /** Most bytes a model may hold once extracted (or copied, for a folder). */
  maxBytes: number;
  /**
   * Most times an archive, or one file in it, may expand beyond its packed size, once it holds more than
   * `ratioFloorBytes`. Per file too, so that a gigabyte of zeros hidden beside real weights is caught.
   */
  maxRatio: number;
  /** Below this, any ratio is accepted: a few small JSON files compress 10:1 and harm nobody. */
  ratioFloorBytes: number;
  /** Most files and folders: a CLIP model has about ten. */
  maxEntries: number;
}

const GiB = 1024 ** 3;

/**
 * The largest model in the catalogue is 1.9 GiB and ViT-H/14 in float32 about 4 GiB: 8 GiB leaves room
 * for bigger ones. ONNX weights barely compress (about 1.1:1, tokenizers 4:1), so an archive that expands
 * 100 times is not a model.
 */
export const DEFAULT_SIZE_LIMITS: SizeLimits = {
  maxBytes: 8 * GiB,
  maxRatio: 100,
  ratioFloorBytes: 64 * 1024 ** 2,
  maxEntries: 10_000,
};

/** Counts what an archive or folder holds and refuses it, with the reason, as soon as it is too much. */
export class SizeCounter {
  private bytes = 0;
  private entries = 0;
  constructor(
    private readonly what: string,
    private readonly limits: SizeLimits,
    /** The archive's own size, for the expansion ratio (undefined: not compressed, no ratio). */
    private readonly packedBytes?: number,
  ) {}

  add(bytes: number): void {
    this.bytes += bytes;
    this.entries += 1;
    const { maxBytes, maxRatio, ratioFloorBytes, maxEntries } = this.limits;
    if (this.bytes > maxBytes) {
      throw new UserError(
        `${this.what} holds more than ${formatBytes(maxBytes)}, more than any CLIP model; nothing was installed`,
        'model-too-large',
      );
    }
    if (
      this.packedBytes !== undefined &&
      this.bytes > ratioFloorBytes &&
      this.bytes > maxRatio * Math.max(1, this.packedBytes)
    ) {
      throw new UserError(
        `${this.what} expands to more than ${maxRatio} times its size (${formatBytes(this.packedBytes)} ` +
          `holds at least ${formatBytes(this.bytes)}): that is not a model, and nothing was installed`,
        'model-too-large',
      );
    }
    if (this.entries > maxEntries) {
      throw new UserError(
        `${this.what} holds more than ${maxEntries} files, far more than a CLIP model; nothing was installed`,
        'model-too-large',
      );
    }
  }

  /** One file that expands more than the limits allow (`packed`: its compressed size in the archive). */
  checkFile(name: string, unpacked: number, packed: number): void {
    const { maxRatio, ratioFloorBytes } = this.limits;
    if (unpacked > ratioFloorBytes && unpacked > maxRatio * Math.max(1, packed)) {
      throw new UserError(
        `${this.what} holds ${name}, which expands from ${formatBytes(packed)} to ${formatBytes(unpacked)}: ` +
          'model weights do not compress like that, so this is not a model, and nothing was installed',
        'model-too-large',
      );
    }
  }
}

function leadsOutside(file: string, name: string): UserError {
  return new UserError(
    `${basename(file)} holds a file whose name leads outside the archive's folder (${name}); ` +
      'nothing was extracted or installed',
    'invalid-archive',
  );
}

function damaged(file: string, kind: ArchiveKind, detail: string): UserError {
  const format = kind === 'zip' ? '.zip' : kind === 'tgz' ? '.tar.gz' : '.tar';
  return new UserError(
    `${basename(file)} is incomplete or damaged (${detail}): it is not a whole ${format} archive. ` +
      'Download or copy it again; nothing was installed',
    'invalid-archive',
  );
}

/** A tar entry name that climbs out of the folder it is extracted into (tar refuses to write those). */
function climbsOut(name: string): boolean {
  return name.replaceAll('\\', '/').split('/').includes('..');
}

// tar's own words for what went wrong, in plain ones. Anything else is named by its message.
function tarProblem(code: string | undefined, message: string): string {
  if (/unexpected end of file|Truncated input/i.test(message)) return 'it ends too early';
  if (code === 'TAR_BAD_ARCHIVE') return 'it is not a tar archive';
  return message.replace(/^TAR_\w+: /, '');
}

/** Reads a .tar or .tar.gz to its end without writing anything, counting what it holds. */
async function inspectTar(file: string, kind: ArchiveKind, counter: SizeCounter): Promise<void> {
  await new Promise<void>((resolvePass, rejectPass) => {
    const input = createReadStream(file);
    let settled = false;
    const fail = (e: unknown): void => {
      if (settled) return;
      settled = true;
      input.destroy(); // stop reading (and decompressing): the archive is refused
      rejectPass(e);
    };
    const parser = new tar.Parser({
      // Informational notices ("stripping / from absolute path") are about names the extraction makes
      // safe by itself; everything else means the archive cannot be read as a whole.
      onwarn: (code: string, message: string | Error) => {
        if (code === 'TAR_ENTRY_INFO') return;
        fail(damaged(file, kind, tarProblem(code, describeError(message))));
      },
      onReadEntry: (entry) => {
        try {
          if (climbsOut(entry.path)) throw leadsOutside(file, entry.path);
          counter.add(entry.type === 'File' || entry.type === 'OldFile' ? entry.size : 0);
        } catch (e) {
          fail(e);
        }
        // The compressed bytes a file took: what was read from the disk while it was decompressed. The
        // reads come in 64 KiB pieces, precise enough for the large files the ratio is about.
        const readBefore = input.bytesRead;
        entry.on('end', () => {
          try {
            if (kind === 'tgz') counter.checkFile(entry.path, entry.size, input.bytesRead - readBefore);
          } catch (e) {
            fail(e);
          }
        });
        entry.resume();
      },
    });
    parser.on('error', (e: Error & { code?: string }) =>
      fail(damaged(file, kind, tarProblem(e.code, describeError(e)))),
    );
    parser.on('end', () => {
      if (settled) return;
      settled = true;
      resolvePass();
    });
    input.on('error', fail);
    input.pipe(parser);
  });
}

function openZip(file: string): Promise<yauzl.ZipFile> {
  return new Promise((res, rej) =>
    yauzl.open(file, { lazyEntries: true, autoClose: true }, (err, z) => (err ? rej(err) : res(z))),
  );
}

/**
 * Reads a .zip's directory (at its end: a cut-short zip has none) and counts the sizes it declares. yauzl
 * checks while extracting that no entry inflates beyond its declared size, so the declared sizes hold.
 */
async function inspectZip(file: string, counter: SizeCounter): Promise<void> {
  let zip: yauzl.ZipFile;
  try {
    zip = await openZip(file);
  } catch (e) {
    throw damaged(file, 'zip', describeError(e));
  }
  await new Promise<void>((res, rej) => {
    const fail = (e: unknown): void => {
      zip.close();
      if (e instanceof UserError) return rej(e);
      // yauzl refuses names with '..' or a leading '/' (a zip holds relative names only).
      const unsafe = /^(?:invalid relative path|absolute path): (.*)$/.exec(describeError(e));
      rej(unsafe ? leadsOutside(file, unsafe[1]!) : damaged(file, 'zip', describeError(e)));
    };
    zip.on('error', fail);
    zip.on('end', () => res());
    zip.on('entry', (entry: yauzl.Entry) => {
      try {
        counter.add(entry.uncompressedSize);
        counter.checkFile(entry.fileName, entry.uncompressedSize, entry.compressedSize);
      } catch (e) {
        return fail(e);
      }
      zip.readEntry();
    });
    zip.readEntry();
  });
}

async function extractZip(file: string, dest: string): Promise<void> {
  const zip = await openZip(file);
  await new Promise<void>((res, rej) => {
    const fail = (e: unknown): void => {
      zip.close();
      rej(e);
    };
    zip.on('error', fail);
    zip.on('end', () => res());
    zip.on('entry', (entry: yauzl.Entry) => {
      const target = join(dest, entry.fileName);
      // yauzl already rejects absolute and '..' names; this guards the join itself.
      if (!isUnder(resolve(target), resolve(dest)))
        return fail(new Error(`unsafe path in archive: ${entry.fileName}`));
      const mode = (entry.externalFileAttributes >>> 16) & 0o170000;
      if (mode === 0o120000) return zip.readEntry(); // symbolic links: never followed, never created
      if (entry.fileName.endsWith('/')) {
        fsp.mkdir(target, { recursive: true }).then(() => zip.readEntry(), fail);
        return;
      }
      zip.openReadStream(entry, (err, stream) => {
        if (err) return fail(err);
        fsp
          .mkdir(dirname(target), { recursive: true })
          .then(() => pipeline(stream, createWriteStream(target)))
          .then(() => zip.readEntry(), fail);
      });
    });
    zip.readEntry();
  });
}

async function extractTar(file: string, dest: string): Promise<void> {
  let problem: string | undefined;
  await tar.x({
    file,
    cwd: dest,
    // Not strict: in strict mode every notice rejects at once, while tar goes on writing files in the
    // background (a removal of the folder then raced it: "ENOTEMPTY"). Notices are collected instead;
    // "stripping / from absolute path" is tar making a name safe, which is what we want.
    onwarn: (code: string, message: string | Error) => {
      if (code !== 'TAR_ENTRY_INFO') problem ??= describeError(message);
    },
    // Only plain files and folders: links in an archive could point anywhere on the disk.
    filter: (_path, entry) => {
      const type = (entry as { type?: string }).type;
      return type === undefined || type === 'File' || type === 'OldFile' || type === 'Directory';
    },
  });
  if (problem) throw new Error(problem);
}

/**
 * Extracts `file` into `dest` if it passes the first pass: whole, within `limits`, with no name leading
 * outside. Throws a UserError saying what is wrong with the archive; nothing is written when it is refused.
 */
export async function extractModelArchive(
  file: string,
  kind: ArchiveKind,
  dest: string,
  limits: SizeLimits = DEFAULT_SIZE_LIMITS,
): Promise<void> {
  const packed = (await fsp.stat(file)).size;
  const counter = new SizeCounter(basename(file), limits, kind === 'tar' ? undefined : packed);
  if (kind === 'zip') await inspectZip(file, counter);
  else await inspectTar(file, kind, counter);
  await fsp.mkdir(dest, { recursive: true });
  try {
    if (kind === 'zip') await extractZip(file, dest);
    else await extractTar(file, dest);
  } catch (e) {
    throw new UserError(`could not extract ${file}: ${describeError(e)}`, 'invalid-archive', { cause: e });
  }
}

/**
 * Removes an import's temporary folder. A failed extraction can leave a file being written for a moment
 * after it reported the failure, so a removal that finds a folder not yet empty tries again (fs.rm's
 * retries cover ENOTEMPTY and EBUSY). If it still fails, it says so rather than hide the import's own
 * error behind this one.
 */
export async function removeWorkFolder(dir: string): Promise<void> {
  try {
    await fsp.rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  } catch (e) {
    logWarning(`could not remove the temporary folder ${dir} (${describeError(e)}); you may delete it`);
  }
}
