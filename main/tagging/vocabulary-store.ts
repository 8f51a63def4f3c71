import { mkdir, readFile, readdir, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { UserError } from '../errors.js';
import { writeFileAtomic } from '../temp-files.js';
import {
  builtinVocabulary,
  builtinVocabularyNames,
  isBuiltinVocabularyName,
} from './builtin-vocabularies.js';
import {
  formatFromFileName,
  normalizeVocabulary,
  parseVocabulary,
  validateVocabularyName,
  vocabularyNameFrom,
  type Vocabulary,
  type VocabularyFormat,
} from './vocabulary.js';

export interface VocabularySummary {
  name: string;
  description?: string;
  labelCount: number;
  builtin: boolean;
}

export interface ImportResult {
  vocabulary: Vocabulary;
  warnings: string[];
  /** True when a user vocabulary of that name was replaced. */
  replaced: boolean;
}

export interface VocabularyStore {
  readonly dir: string;
  list(): Promise<VocabularySummary[]>;
  /** A built-in or user vocabulary; a UserError naming the known ones when there is none. */
  get(name: string): Promise<Vocabulary>;
  /** Creates or replaces a user vocabulary (validated and tidied first). Built-in names are reserved. */
  save(vocabulary: Vocabulary): Promise<Vocabulary>;
  /** Imports a .txt/.csv/.json file; the name defaults to the file's base name. */
  importFile(
    path: string,
    options?: { name?: string; format?: VocabularyFormat; replace?: boolean },
  ): Promise<ImportResult>;
  /** Imports text already in memory (the API's upload). */
  importText(
    text: string,
    format: VocabularyFormat,
    name: string,
    options?: { replace?: boolean },
  ): Promise<ImportResult>;
  remove(name: string): Promise<void>;
}

/** User vocabularies live in `<dataDir>/vocabularies/<name>.json`; built-ins live in the code. */
export function createVocabularyStore(dataDir: string): VocabularyStore {
  const dir = join(dataDir, 'vocabularies');
  const fileOf = (name: string) => join(dir, `${name}.json`);

  async function readUser(name: string): Promise<Vocabulary | undefined> {
    let text: string;
    try {
      text = await readFile(fileOf(name), 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
    try {
      return parseVocabulary(text, 'json', name).vocabulary;
    } catch (e) {
      throw new UserError(
        `The vocabulary file ${fileOf(name)} is damaged: ${(e as Error).message}`,
        'invalid-vocabulary',
        { cause: e },
      );
    }
  }

  async function userNames(): Promise<string[]> {
    try {
      const entries = await readdir(dir);
      return entries
        .filter((f) => f.endsWith('.json'))
        .map((f) => f.slice(0, -5))
        .filter((n) => /^[a-z0-9][a-z0-9_-]{0,63}$/.test(n))
        .sort();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
  }

  async function save(vocabulary: Vocabulary, replaceAllowed = true): Promise<Vocabulary> {
    validateVocabularyName(vocabulary.name);
    if (isBuiltinVocabularyName(vocabulary.name)) {
      throw new UserError(
        `"${vocabulary.name}" is a built-in vocabulary; save your version under another name.`,
        'vocabulary-exists',
      );
    }
    const tidy = normalizeVocabulary(vocabulary);
    if (!replaceAllowed && (await readUser(tidy.name))) {
      throw new UserError(
        `A vocabulary named "${tidy.name}" already exists; choose another name or replace it.`,
        'vocabulary-exists',
      );
    }
    await mkdir(dir, { recursive: true });
    // Write then rename: a crash mid-write never leaves a half vocabulary behind.
    await writeFileAtomic(fileOf(tidy.name), `${JSON.stringify(tidy, null, 2)}\n`);
    return tidy;
  }

  async function importText(
    text: string,
    format: VocabularyFormat,
    name: string,
    options: { replace?: boolean } = {},
  ): Promise<ImportResult> {
    const { vocabulary, warnings } = parseVocabulary(text, format, name);
    const replaced = (await readUser(name)) !== undefined;
    const saved = await save(vocabulary, options.replace ?? false);
    return { vocabulary: saved, warnings, replaced };
  }

  return {
    dir,
    async list() {
      const out: VocabularySummary[] = builtinVocabularyNames().map((n) => {
        const v = builtinVocabulary(n)!;
        return { name: v.name, description: v.description, labelCount: v.labels.length, builtin: true };
      });
      for (const name of await userNames()) {
        try {
          const v = await readUser(name);
          if (v) out.push({ name, description: v.description, labelCount: v.labels.length, builtin: false });
        } catch {
          // A damaged file is reported when it is opened, not while listing the others.
          out.push({ name, description: '(damaged file)', labelCount: 0, builtin: false });
        }
      }
      return out;
    },
    async get(name) {
      const builtin = builtinVocabulary(name);
      if (builtin) return builtin;
      if (/^[a-z0-9][a-z0-9_-]{0,63}$/.test(name)) {
        const user = await readUser(name);
        if (user) return user;
      }
      const known = [...builtinVocabularyNames(), ...(await userNames())].join(', ');
      throw new UserError(`No vocabulary named "${name}". Known: ${known}.`, 'vocabulary-not-found');
    },
    save: (v) => save(v, true),
    async importFile(path, options = {}) {
      const format = options.format ?? formatFromFileName(path);
      const name = options.name ? vocabularyNameFrom(options.name) : vocabularyNameFrom(basename(path));
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (e) {
        throw new UserError(`Cannot read ${path}: ${(e as Error).message}`, 'file-not-found', { cause: e });
      }
      return importText(text, format, name, options);
    },
    importText,
    async remove(name) {
      if (isBuiltinVocabularyName(name)) {
        throw new UserError(`"${name}" is built in and cannot be removed.`, 'vocabulary-builtin');
      }
      validateVocabularyName(name);
      if (!(await readUser(name))) {
        throw new UserError(`No vocabulary named "${name}".`, 'vocabulary-not-found');
      }
      await rm(fileOf(name));
    },
  };
}
