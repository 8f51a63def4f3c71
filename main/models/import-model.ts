// `lookbook models import PATH`: a model folder or archive (.zip, .tar, .tar.gz/.tgz) in either layout is
// checked, loaded by the real engine and made to embed a text and an image before it is installed. A
// model that cannot do that is refused with the reason and leaves nothing behind.
import { promises as fsp } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import sharp from 'sharp';
import { createClipEngine } from '../engine/clip-engine.js';
import { readModelFolder } from '../engine/model-folder.js';
import type { ModelInfo, ModelLayout } from '../engine/types.js';
import { describeError, isUserError, UserError } from '../errors.js';
import { isUnder } from '../paths.js';
import { tempPathFor } from '../temp-files.js';
import { isValidModelId } from './catalogue.js';
import {
  archiveKind,
  DEFAULT_SIZE_LIMITS,
  extractModelArchive,
  removeWorkFolder,
  SizeCounter,
  type SizeLimits,
} from './model-archive.js';
import {
  checkLayoutFiles,
  LAYOUT_REQUIRED_FILES,
  modelsDir,
  writeManifest,
  type ModelManifest,
} from './installed-models.js';

export interface ProbeResult {
  model: ModelInfo;
  textDim: number;
  imageDim: number;
  /** Cosine similarity of the probe text and image: only proof that both towers produced numbers. */
  probeSimilarity: number;
}

export interface ProbeOptions {
  dataDir?: string;
  threads?: number;
}

function checkEmbedding(what: string, v: Float32Array | undefined, dim: number): void {
  if (!v) throw new Error(`the ${what} tower returned no embedding`);
  if (v.length !== dim)
    throw new Error(`the ${what} tower returned ${v.length} numbers, the model says ${dim}`);
  let norm = 0;
  for (const x of v) {
    if (!Number.isFinite(x)) throw new Error(`the ${what} tower returned a non-finite value (${x})`);
    norm += x * x;
  }
  if (!(norm > 0.5 && norm < 1.5))
    throw new Error(`the ${what} embedding is not normalized (|v|² = ${norm})`);
}

/** A small synthetic photo-like image: a gradient with a disc, so no pixel row is constant. */
async function probeImage(): Promise<Buffer> {
  const w = 96;
  const h = 72;
  const raw = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 3;
      const inDisc = (x - 60) ** 2 + (y - 30) ** 2 < 18 ** 2;
      raw[i] = inDisc ? 230 : Math.round((x / w) * 255);
      raw[i + 1] = inDisc ? 40 : Math.round((y / h) * 255);
      raw[i + 2] = inDisc ? 30 : 128;
    }
  }
  return sharp(raw, { raw: { width: w, height: h, channels: 3 } })
    .png()
    .toBuffer();
}

/**
 * Loads the folder with the engine on the CPU and embeds one text and one generated image, checking sizes
 * and values. Throws a UserError ('model-invalid') saying what is wrong.
 */
export async function probeModelFolder(dir: string, opts: ProbeOptions = {}): Promise<ProbeResult> {
  const { layout, missing } = await checkLayoutFiles(dir);
  if (!layout) {
    throw new UserError(
      `${dir} is not a CLIP model folder: expected the Immich layout (${LAYOUT_REQUIRED_FILES.immich.join(', ')}) ` +
        `or the Hugging Face layout (${LAYOUT_REQUIRED_FILES.hf.join(', ')})`,
      'model-invalid',
    );
  }
  if (missing.length > 0) {
    throw new UserError(
      `${dir} is an incomplete ${layoutName(layout)} model folder: missing ${missing.join(', ')}`,
      'model-invalid',
    );
  }
  // Configuration problems get the folder reader's own message, which names the file.
  await readModelFolder(dir);
  let engine;
  try {
    engine = await createClipEngine({
      model: dir,
      device: 'cpu',
      threads: opts.threads ?? 1,
    });
  } catch (e) {
    if (isUserError(e)) throw e;
    throw new UserError(`${dir} could not be loaded as a CLIP model: ${describeError(e)}`, 'model-invalid', {
      cause: e,
    });
  }
  try {
    const dim = engine.model.embedDim;
    const [text] = await engine.embedTexts(['a photo of a red ball on a table']);
    checkEmbedding('text', text, dim);
    const [image] = await engine.embedImages([await probeImage()]);
    checkEmbedding('image', image, dim);
    let dot = 0;
    for (let i = 0; i < dim; i++) dot += text![i]! * image![i]!;
    return { model: engine.model, textDim: text!.length, imageDim: image!.length, probeSimilarity: dot };
  } catch (e) {
    if (isUserError(e)) throw e;
    throw new UserError(`${dir} loaded but failed a test inference: ${describeError(e)}`, 'model-invalid', {
      cause: e,
    });
  } finally {
    await engine.close();
  }
}

function layoutName(layout: ModelLayout): string {
  return layout === 'immich' ? 'Immich-layout' : 'Hugging Face-layout';
}

/** A model id from a path: the folder or archive name with archive extensions removed. */
export function modelIdFromPath(path: string): string {
  const name = basename(resolve(path)).replace(/\.(zip|tar\.gz|tgz|tar)$/i, '');
  const id = name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[.-]+/, '');
  return id || 'imported-model';
}

/**
 * Walks a model folder before it is copied, following links as the copy does (a Hugging Face cache folder
 * is made of links to its blobs). Refuses, naming it, a link back to a folder that holds it (`up -> ..`:
 * the copy would never end; the system's own error was "ELOOP" with a path hundreds of characters long),
 * a link to nothing, and a folder over the size limits.
 */
async function checkFolderTree(src: string, limits: SizeLimits): Promise<void> {
  const counter = new SizeCounter(src, limits);
  const refuse = (what: string) =>
    new UserError(`cannot import ${src}: ${what}; nothing was installed`, 'model-invalid');
  const walk = async (dir: string, ancestors: string[]): Promise<void> => {
    for (const entry of await fsp.readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      const shown = relative(src, path);
      let stat;
      try {
        stat = await fsp.stat(path);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') throw refuse(`${shown} is a link to something that no longer exists`);
        if (code === 'ELOOP') throw refuse(`${shown} is a link that leads back to itself`);
        throw refuse(`${shown} cannot be read (${code ?? describeError(e)})`);
      }
      if (!stat.isDirectory()) {
        counter.add(stat.size);
        continue;
      }
      // A link to a folder that holds this one (`up -> ..`, or `/`) leads back here: the copy never ends.
      const real = await fsp.realpath(path);
      if (ancestors.some((a) => isUnder(a, real))) {
        throw refuse(
          `${shown} is a link back to a folder that holds it, so the folder never ends. ` +
            'Remove the link and try again',
        );
      }
      counter.add(0);
      await walk(path, [...ancestors, real]);
    }
  };
  await walk(src, [await fsp.realpath(src)]);
}

/** The folder inside an extracted archive that holds the model (archives often wrap it in one folder). */
async function findModelRoot(dir: string, depth = 0): Promise<string | undefined> {
  if ((await checkLayoutFiles(dir)).layout) return dir;
  if (depth >= 3) return undefined;
  const entries = await fsp.readdir(dir, { withFileTypes: true });
  for (const e of entries) {
    if (!e.isDirectory() || e.name === '__MACOSX') continue;
    const found = await findModelRoot(join(dir, e.name), depth + 1);
    if (found) return found;
  }
  return undefined;
}

export interface ImportOptions {
  dataDir: string;
  /** Installed id (folder name); defaults to the source's name. */
  id?: string;
  /** Replace an installed model of the same id. */
  force?: boolean;
  threads?: number;
  onStatus?: (message: string) => void;
  /** What a model may hold (tests make it small rather than write gigabytes). */
  limits?: Partial<SizeLimits>;
}

export interface ImportResult {
  id: string;
  dir: string;
  layout: ModelLayout;
  embedDim: number;
  probe: ProbeResult;
}

/**
 * Installs the model at `source` (folder or archive) as <dataDir>/models/<id>. The copy is made into a
 * hidden temp folder next to the destination, probed there, and renamed into place only if it works.
 */
export async function importModel(source: string, opts: ImportOptions): Promise<ImportResult> {
  const src = resolve(source);
  let stat;
  try {
    stat = await fsp.stat(src);
  } catch {
    throw new UserError(`${src} does not exist`, 'not-found');
  }
  const kind = stat.isFile() ? archiveKind(src) : undefined;
  if (stat.isFile() && !kind) {
    throw new UserError(
      `${src} is neither a folder nor a .zip, .tar or .tar.gz archive`,
      'unsupported-format',
    );
  }
  const id = opts.id ?? modelIdFromPath(src);
  if (!isValidModelId(id)) {
    throw new UserError(
      `'${id}' is not a valid model id (letters, digits, '.', '_' and '-')`,
      'invalid-model-id',
    );
  }
  if (id === 'demo')
    throw new UserError(`'demo' is reserved for the generated demo model; pick another --id`);
  const root = modelsDir(opts.dataDir);
  const target = join(root, id);
  if (!opts.force && (await pathExists(target))) {
    throw new UserError(
      `a model '${id}' is already installed; use --force to replace it or --id to pick another`,
    );
  }
  const limits = { ...DEFAULT_SIZE_LIMITS, ...opts.limits };
  if (stat.isDirectory()) {
    const { layout, missing } = await checkLayoutFiles(src);
    // Refuse before copying gigabytes of something that cannot work.
    if (layout && missing.length > 0) {
      throw new UserError(
        `${src} is an incomplete ${layoutName(layout)} model folder: missing ${missing.join(', ')}`,
        'model-invalid',
      );
    }
    await checkFolderTree(src, limits);
  }

  await fsp.mkdir(root, { recursive: true });
  const work = tempPathFor(join(root, `${id}-import`));
  try {
    let modelDir: string;
    if (kind) {
      opts.onStatus?.(`extracting ${basename(src)}`);
      await extractModelArchive(src, kind, join(work, 'x'), limits);
      const found = await findModelRoot(join(work, 'x'));
      if (!found) {
        throw new UserError(
          `${src} holds no CLIP model folder: expected the Immich layout (${LAYOUT_REQUIRED_FILES.immich.join(', ')}) ` +
            `or the Hugging Face layout (${LAYOUT_REQUIRED_FILES.hf.join(', ')})`,
          'model-invalid',
        );
      }
      modelDir = found;
    } else {
      opts.onStatus?.(`copying ${src}`);
      modelDir = join(work, 'x');
      await fsp.cp(src, modelDir, { recursive: true, dereference: true, errorOnExist: true });
    }
    opts.onStatus?.('checking the model (loading it and embedding a test text and image)');
    let probe: ProbeResult;
    try {
      probe = await probeModelFolder(modelDir, {
        ...(opts.threads ? { threads: opts.threads } : {}),
        dataDir: opts.dataDir,
      });
    } catch (e) {
      if (!isUserError(e)) throw e;
      // Messages name files in the hidden work folder; name them as the person knows them.
      const shown = kind ? `${src}:` : src;
      const message = e.message.split(modelDir).join(shown);
      throw new UserError(`cannot import ${src}: ${message}`, e.code, { cause: e });
    }
    const manifest: ModelManifest = {
      id,
      name: id,
      installedAt: new Date().toISOString(),
      layout: probe.model.layout,
      embedDim: probe.model.embedDim,
      source: { type: 'import', path: src },
    };
    await writeManifest(modelDir, manifest);
    await installFolder(modelDir, target, !!opts.force);
    return { id, dir: target, layout: probe.model.layout, embedDim: probe.model.embedDim, probe };
  } finally {
    await removeWorkFolder(work);
  }
}

async function pathExists(p: string): Promise<boolean> {
  try {
    await fsp.lstat(p);
    return true;
  } catch {
    return false;
  }
}

/**
 * Moves a validated folder to `target` with renames only (same file system), so the model appears whole
 * or not at all. With `replace`, an existing target is moved aside first and deleted afterwards.
 */
export async function installFolder(ready: string, target: string, replace: boolean): Promise<void> {
  let aside: string | undefined;
  if (await pathExists(target)) {
    if (!replace) throw new UserError(`${target} already exists`, 'model-exists');
    aside = tempPathFor(`${target}-old`);
    await fsp.rename(target, aside);
  }
  try {
    await fsp.rename(ready, target);
  } catch (e) {
    if (aside) await fsp.rename(aside, target).catch(() => undefined);
    throw e;
  }
  if (aside) await fsp.rm(aside, { recursive: true, force: true });
}
