// The models a person can pick from (models/catalogue.json), typed and checked once when loaded so that a
// bad edit to the JSON fails loudly here rather than halfway through a download.
import catalogueJson from '../../models/catalogue.json' with { type: 'json' };
import type { ModelLayout } from '../engine/types.js';
import { UserError } from '../errors.js';

export type SpeedClass = 'fast' | 'medium' | 'slow';

export interface CatalogueFile {
  /** Path inside the repository and inside the installed model folder ('/' separated). */
  path: string;
  /** Expected size in bytes: an estimate for progress unless `sha256` pins the file. */
  size?: number;
  /** When set, the downloaded file must hash to this (lower-case hex). */
  sha256?: string;
  /** Its path in the repository, when it is installed under another (a published variant's tower). */
  from?: string;
}

/** Other precisions a repository publishes beside its fp32 files. */
export type VariantPrecision = 'int8' | 'fp16';

export interface CatalogueEntry {
  id: string;
  name: string;
  description: string;
  /** Hugging Face repository, 'owner/name'. */
  repo: string;
  /** Branch, tag or commit. */
  revision: string;
  layout: ModelLayout;
  embedDim: number;
  languages: string[];
  licence: string;
  speed: SpeedClass;
  /** The suggested first model. */
  default?: boolean;
  homepage?: string;
  notes?: string;
  files: CatalogueFile[];
  /** Set on a published variant ('<id>-int8'): the entry it is a variant of, and its precision. */
  variantOf?: { id: string; precision: VariantPrecision };
}

/** Ids become folder names under <dataDir>/models: no separators, no leading dot (temp folders use one). */
const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export function isValidModelId(id: string): boolean {
  return ID_PATTERN.test(id) && !id.includes('..');
}

/** Total expected bytes of an entry (estimates included). */
export function catalogueEntrySize(entry: CatalogueEntry): number {
  return entry.files.reduce((sum, f) => sum + (f.size ?? 0), 0);
}

function fail(where: string, what: string): never {
  throw new Error(`models/catalogue.json: ${where}: ${what}`);
}

function parseFiles(raw: unknown[], where: string): CatalogueFile[] {
  return raw.map((f: unknown, i): CatalogueFile => {
    const fw = `${where}.files[${i}]`;
    if (typeof f !== 'object' || f === null) fail(fw, 'not an object');
    const ff = f as Record<string, unknown>;
    if (typeof ff.path !== 'string' || !isSafeRelativePath(ff.path)) fail(fw, `unsafe or missing path`);
    if (ff.from !== undefined && (typeof ff.from !== 'string' || !isSafeRelativePath(ff.from)))
      fail(fw, `unsafe 'from' path`);
    if (ff.size !== undefined && (typeof ff.size !== 'number' || ff.size < 0))
      fail(fw, 'size must be a number');
    if (ff.sha256 !== undefined && (typeof ff.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(ff.sha256))) {
      fail(fw, 'sha256 must be 64 lower-case hex digits');
    }
    return {
      path: ff.path,
      ...(ff.size !== undefined ? { size: ff.size as number } : {}),
      ...(ff.sha256 !== undefined ? { sha256: ff.sha256 as string } : {}),
      ...(ff.from !== undefined ? { from: ff.from as string } : {}),
    };
  });
}

/** How a variant is named and described in the app: plain words, no precision jargon. */
const VARIANT_WORDS: Record<VariantPrecision, { name: string; description: string }> = {
  int8: {
    name: 'smaller, faster',
    description:
      'the publisher’s smaller version: a quarter of the size and faster on a processor, very slightly less precise',
  },
  fp16: { name: 'for graphics cards', description: 'the publisher’s half-size version, for graphics cards' },
};

/** The published variants of a raw entry, as entries of their own ('<id>-<precision>'). */
export function parseVariants(raw: unknown, base: CatalogueEntry, where: string): CatalogueEntry[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) fail(where, 'variants must be a list');
  return raw.map((v: unknown, i) => {
    const vw = `${where}.variants[${i}]`;
    const vv = (typeof v === 'object' && v !== null ? v : fail(vw, 'not an object')) as Record<
      string,
      unknown
    >;
    const precision = vv.precision;
    if (precision !== 'int8' && precision !== 'fp16') fail(vw, "precision must be 'int8' or 'fp16'");
    if (!Array.isArray(vv.files) || vv.files.length === 0) fail(vw, 'files must be a non-empty list');
    const replaced = parseFiles(vv.files, vw);
    for (const f of replaced) {
      if (!base.files.some((b) => b.path === f.path)) fail(vw, `'${f.path}' is not one of the entry's files`);
    }
    const { default: _notDefault, ...rest } = base;
    return {
      ...rest,
      id: `${base.id}-${precision}`,
      name: `${base.name} (${VARIANT_WORDS[precision].name})`,
      description: `${base.description} This is ${VARIANT_WORDS[precision].description}.`,
      files: base.files.map((f) => replaced.find((r) => r.path === f.path) ?? f),
      variantOf: { id: base.id, precision },
    };
  });
}

/** Checks one raw entry and returns it typed; throws (a bug in the catalogue, not a user error) when malformed. */
export function parseCatalogueEntry(raw: unknown, where = 'entry'): CatalogueEntry {
  if (typeof raw !== 'object' || raw === null) fail(where, 'not an object');
  const e = raw as Record<string, unknown>;
  const str = (k: string): string => {
    const v = e[k];
    if (typeof v !== 'string' || v.length === 0) fail(where, `'${k}' must be a non-empty string`);
    return v;
  };
  const id = str('id');
  if (!isValidModelId(id)) fail(where, `id '${id}' is not a valid folder name`);
  const layout = str('layout');
  if (layout !== 'hf' && layout !== 'immich') fail(where, `layout must be 'hf' or 'immich'`);
  const speed = str('speed');
  if (speed !== 'fast' && speed !== 'medium' && speed !== 'slow')
    fail(where, `speed must be fast|medium|slow`);
  const embedDim = e.embedDim;
  if (typeof embedDim !== 'number' || !Number.isInteger(embedDim) || embedDim <= 0) {
    fail(where, 'embedDim must be a positive integer');
  }
  const languages = e.languages;
  if (!Array.isArray(languages) || languages.some((l) => typeof l !== 'string')) {
    fail(where, 'languages must be a list of strings');
  }
  if (!Array.isArray(e.files) || e.files.length === 0) fail(where, 'files must be a non-empty list');
  const files = parseFiles(e.files, where);
  const optStr = (k: string): string | undefined => (typeof e[k] === 'string' ? (e[k] as string) : undefined);
  const homepage = optStr('homepage');
  const notes = optStr('notes');
  return {
    id,
    name: str('name'),
    description: str('description'),
    repo: str('repo'),
    revision: str('revision'),
    layout,
    embedDim,
    languages: languages as string[],
    licence: str('licence'),
    speed,
    ...(e.default === true ? { default: true } : {}),
    ...(homepage ? { homepage } : {}),
    ...(notes ? { notes } : {}),
    files,
  };
}

/** A relative '/'-separated path that stays inside its folder. */
export function isSafeRelativePath(p: string): boolean {
  if (p.length === 0 || p.startsWith('/') || p.includes('\\') || /^[A-Za-z]:/.test(p)) return false;
  return p.split('/').every((seg) => seg !== '' && seg !== '.' && seg !== '..');
}

export function parseCatalogue(raw: unknown): CatalogueEntry[] {
  const models = (raw as { models?: unknown })?.models;
  if (!Array.isArray(models)) fail('top level', "'models' must be a list");
  // Each entry is followed by its published variants, which are entries of their own.
  const entries = models.flatMap((m, i) => {
    const entry = parseCatalogueEntry(m, `models[${i}]`);
    return [entry, ...parseVariants((m as { variants?: unknown }).variants, entry, `models[${i}]`)];
  });
  const seen = new Set<string>();
  for (const e of entries) {
    if (seen.has(e.id)) fail(e.id, 'duplicate id');
    seen.add(e.id);
  }
  if (entries.filter((e) => e.default).length > 1) fail('top level', 'more than one default model');
  return entries;
}

let cached: CatalogueEntry[] | undefined;

/** The shipped catalogue. */
export function loadCatalogue(): CatalogueEntry[] {
  cached ??= parseCatalogue(catalogueJson);
  return cached;
}

export function findCatalogueEntry(
  id: string,
  catalogue: readonly CatalogueEntry[] = loadCatalogue(),
): CatalogueEntry | undefined {
  return catalogue.find((e) => e.id === id) ?? catalogue.find((e) => e.id.toLowerCase() === id.toLowerCase());
}

/** Like findCatalogueEntry, but a clear error listing the choices when the id is unknown. */
export function requireCatalogueEntry(
  id: string,
  catalogue: readonly CatalogueEntry[] = loadCatalogue(),
): CatalogueEntry {
  const entry = findCatalogueEntry(id, catalogue);
  if (!entry) {
    const ids = catalogue.map((e) => e.id).join(', ');
    throw new UserError(`no model '${id}' in the catalogue; available: ${ids}`, 'model-not-in-catalogue');
  }
  return entry;
}

export function defaultCatalogueEntry(
  catalogue: readonly CatalogueEntry[] = loadCatalogue(),
): CatalogueEntry {
  const entry = catalogue.find((e) => e.default) ?? catalogue[0];
  if (!entry) throw new Error('models/catalogue.json is empty');
  return entry;
}
