import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../temp-files.js';
import { adapterFromJson, adapterToJson, withAlpha } from './adapter.js';
import type { Adapter, AdapterMetrics } from './adapter.js';

export interface AdapterVersion {
  version: number;
  createdAt: string;
  alpha: number;
  metrics?: AdapterMetrics;
  active: boolean;
  /** On the active version: the WiSE-FT alpha it is applied with (chosen at activation, else `alpha`). */
  alphaInUse?: number;
  /** Set when the file cannot be read; the other versions are still listed. */
  error?: string;
}

/**
 * How the CLI and the app name a version: "v3 (2026-12-03 15:40)", the date in this machine's time
 * (the web server and the app run on the same machine).
 */
export function adapterName(version: number, createdAt: string): string {
  const d = new Date(createdAt);
  if (Number.isNaN(d.getTime())) return `v${version}`;
  const two = (n: number) => String(n).padStart(2, '0');
  const date = `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}`;
  return `v${version} (${date} ${two(d.getHours())}:${two(d.getMinutes())})`;
}

export interface AdapterStore {
  readonly modelId: string;
  /** Saved versions, oldest first. */
  list(): Promise<AdapterVersion[]>;
  /** Saves as the next version (v1, v2, …) and returns its number; activates it when asked. */
  save(adapter: Adapter, options?: { activate?: boolean }): Promise<number>;
  load(version: number): Promise<Adapter>;
  /**
   * Makes a version the one in use; null = none (the zero-shot model). `alpha` (0…1) is WiSE-FT's
   * interpolation chosen at apply time; without it the version's own alpha is used.
   */
  activate(version: number | null, options?: { alpha?: number }): Promise<void>;
  /** Goes back to the choice (version and alpha) in use before the current one; returns it (null = none). */
  rollback(): Promise<number | null>;
  /** The adapter in use (with the alpha chosen at activation), or null for the zero-shot model. */
  active(): Promise<{ version: number; adapter: Adapter } | null>;
}

/** One choice of adapter: a version (null = none) and the alpha it was activated with, if any. */
interface Choice {
  active: number | null;
  alpha?: number;
}

interface ActiveFile extends Choice {
  /** Earlier choices, most recent last: what rollback() returns to. Older files hold bare numbers. */
  previous: (number | null | Choice)[];
}

function choiceOf(entry: number | null | Choice): Choice {
  return entry !== null && typeof entry === 'object' ? entry : { active: entry };
}

/**
 * Versioned adapters of one model, as JSON files: `<dataDir>/adapters/<modelId>/v<N>.json`, and
 * `active.json` beside them saying which one is in use. Files are written to a temporary name and
 * renamed, so a crash never leaves half an adapter or a broken choice behind.
 */
export function createAdapterStore(dataDir: string, modelId: string): AdapterStore {
  if (!/^[A-Za-z0-9][A-Za-z0-9._@+-]*$/.test(modelId) || modelId.includes('..')) {
    throw new Error(`model id cannot name an adapters folder: ${JSON.stringify(modelId)}`);
  }
  const dir = join(dataDir, 'adapters', modelId);
  const activePath = join(dir, 'active.json');
  const fileOf = (v: number) => join(dir, `v${v}.json`);

  const versions = async (): Promise<number[]> => {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    return names
      .map((n) => /^v([1-9][0-9]*)\.json$/.exec(n)?.[1])
      .filter((v): v is string => v !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
  };
  const readActive = async (): Promise<ActiveFile> => {
    try {
      const j = JSON.parse(await readFile(activePath, 'utf8')) as Partial<ActiveFile>;
      return {
        active: j.active ?? null,
        ...(typeof j.alpha === 'number' ? { alpha: j.alpha } : {}),
        previous: Array.isArray(j.previous) ? j.previous : [],
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { active: null, previous: [] };
      throw new Error(`cannot read ${activePath}: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  const writeAtomic = async (path: string, text: string) => {
    await mkdir(dir, { recursive: true });
    await writeFileAtomic(path, text);
  };
  const load = async (version: number): Promise<Adapter> => {
    let text: string;
    try {
      text = await readFile(fileOf(version), 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT')
        throw new Error(`no adapter version ${version} for ${modelId}`);
      throw e;
    }
    try {
      return adapterFromJson(JSON.parse(text));
    } catch (e) {
      throw new Error(
        `adapter v${version} of ${modelId} is unreadable: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
  };
  const activate = async (version: number | null, options: { alpha?: number } = {}) => {
    const { alpha } = options;
    if (alpha !== undefined && !(alpha >= 0 && alpha <= 1))
      throw new RangeError(`alpha must be between 0 and 1, got ${alpha}`);
    if (version !== null && !(await versions()).includes(version)) {
      throw new Error(`no adapter version ${version} for ${modelId}`);
    }
    const state = await readActive();
    const next: Choice =
      version !== null && alpha !== undefined ? { active: version, alpha } : { active: version };
    if (state.active === next.active && state.alpha === next.alpha) return;
    const current: Choice =
      state.alpha !== undefined ? { active: state.active, alpha: state.alpha } : { active: state.active };
    const previous = [...state.previous, current.alpha === undefined ? current.active : current];
    await writeAtomic(activePath, JSON.stringify({ ...next, previous }));
  };

  return {
    modelId,
    async list() {
      const { active, alpha: chosenAlpha } = await readActive();
      const out: AdapterVersion[] = [];
      for (const version of await versions()) {
        try {
          const a = await load(version);
          out.push({
            version,
            createdAt: a.createdAt,
            alpha: a.alpha,
            ...(a.metrics ? { metrics: a.metrics } : {}),
            active: version === active,
            ...(version === active ? { alphaInUse: chosenAlpha ?? a.alpha } : {}),
          });
        } catch (e) {
          const error = e instanceof Error ? e.message : String(e);
          out.push({ version, createdAt: '', alpha: Number.NaN, active: version === active, error });
        }
      }
      return out;
    },
    async save(adapter, options = {}) {
      if (adapter.modelId !== modelId) {
        throw new Error(`adapter was trained for ${adapter.modelId}, not ${modelId}`);
      }
      const version = ((await versions()).at(-1) ?? 0) + 1;
      await writeAtomic(fileOf(version), JSON.stringify(adapterToJson(adapter)));
      if (options.activate) await activate(version);
      return version;
    },
    load,
    activate,
    async rollback() {
      const state = await readActive();
      const existing = new Set(await versions());
      const previous = [...state.previous];
      // Skip choices whose file has since disappeared.
      while (previous.length > 0) {
        const target = choiceOf(previous.pop()!);
        if (target.active === null || existing.has(target.active)) {
          await writeAtomic(activePath, JSON.stringify({ ...target, previous }));
          return target.active;
        }
      }
      throw new Error(`nothing to roll back to for ${modelId}`);
    },
    async active() {
      const { active, alpha } = await readActive();
      if (active === null) return null;
      const adapter = await load(active);
      return { version: active, adapter: alpha === undefined ? adapter : withAlpha(adapter, alpha) };
    },
  };
}
