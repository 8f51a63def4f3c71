import { createHash } from 'node:crypto';
import { UserError } from '../errors.js';
import { hasLabelPlaceholder } from '../placeholders.js';
import { PROMPT_TEMPLATES, fillTemplate } from './prompt-templates.js';

/** One label of a vocabulary: the tag a photo gets, with optional extra wordings. */
export interface VocabularyLabel {
  /** The tag itself, as shown to the user and written to XMP. */
  label: string;
  /** Other names for the same thing ("couch" for "sofa"): their prompts join the label's ensemble. */
  synonyms?: string[];
  /**
   * Custom prompts replacing the template ensemble for this label. A prompt containing `{label}` is a
   * template (filled with the label and each synonym); one without is used verbatim.
   */
  prompts?: string[];
}

export interface Vocabulary {
  /** Lower-case slug, also the file name in `<dataDir>/vocabularies/`. */
  name: string;
  description?: string;
  labels: VocabularyLabel[];
}

export type VocabularyFormat = 'txt' | 'csv' | 'json';

export interface ParsedVocabulary {
  vocabulary: Vocabulary;
  /** Things fixed on the way in (duplicates merged, blank fields dropped), one sentence each. */
  warnings: string[];
}

const NAME_RE = /^[a-z0-9][a-z0-9_-]{0,63}$/;

/** Turns a user-given name ("My Shop.csv" → "my-shop") into a vocabulary name, or explains why not. */
export function vocabularyNameFrom(raw: string): string {
  const slug = raw
    .trim()
    .toLowerCase()
    .replace(/\.(txt|csv|json)$/, '')
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64);
  if (!NAME_RE.test(slug)) {
    throw new UserError(
      `"${raw}" cannot be a vocabulary name: use letters, digits, '-' or '_'.`,
      'invalid-vocabulary',
    );
  }
  return slug;
}

export function validateVocabularyName(name: string): void {
  if (!NAME_RE.test(name)) {
    throw new UserError(
      `"${name}" is not a valid vocabulary name: use lower-case letters, digits, '-' or '_' (at most 64).`,
      'invalid-vocabulary',
    );
  }
}

/** The key under which labels are compared: tags differ only if they differ beyond case and spacing. */
export function labelKey(label: string): string {
  return label.trim().replace(/\s+/g, ' ').toLowerCase();
}

function cleanText(s: unknown): string {
  return typeof s === 'string' ? s.trim().replace(/\s+/g, ' ') : '';
}

function cleanList(values: unknown): string[] {
  if (values === undefined || values === null) return [];
  const list = Array.isArray(values) ? values : [values];
  return list.map(cleanText).filter((s) => s.length > 0);
}

/**
 * Checks and tidies labels: trims, drops empty extras, merges duplicate labels (case-insensitive) by
 * uniting their synonyms and prompts. Throws a UserError when nothing usable is left.
 */
export function normalizeVocabulary(
  input: { name: string; description?: string; labels: VocabularyLabel[] },
  warnings: string[] = [],
  where: (index: number) => string = (i) => `label ${i + 1}`,
): Vocabulary {
  validateVocabularyName(input.name);
  const byKey = new Map<string, VocabularyLabel>();
  input.labels.forEach((raw, i) => {
    const label = cleanText(raw.label);
    if (!label) {
      warnings.push(`${where(i)}: empty label skipped`);
      return;
    }
    if (label.length > 200) {
      throw new UserError(`${where(i)}: label is longer than 200 characters`, 'invalid-vocabulary');
    }
    const key = labelKey(label);
    const synonyms = cleanList(raw.synonyms).filter((s) => labelKey(s) !== key);
    const prompts = cleanList(raw.prompts);
    const existing = byKey.get(key);
    if (existing) {
      warnings.push(`${where(i)}: "${label}" appears more than once; merged`);
      existing.synonyms = uniqueByKey([...(existing.synonyms ?? []), ...synonyms]);
      existing.prompts = [...new Set([...(existing.prompts ?? []), ...prompts])];
      if (existing.synonyms.length === 0) delete existing.synonyms;
      if (existing.prompts.length === 0) delete existing.prompts;
      return;
    }
    const entry: VocabularyLabel = { label };
    if (synonyms.length) entry.synonyms = uniqueByKey(synonyms);
    if (prompts.length) entry.prompts = [...new Set(prompts)];
    byKey.set(key, entry);
  });
  if (byKey.size === 0) {
    throw new UserError(`Vocabulary "${input.name}" has no labels.`, 'invalid-vocabulary');
  }
  const out: Vocabulary = { name: input.name, labels: [...byKey.values()] };
  const description = cleanText(input.description);
  if (description) out.description = description;
  return out;
}

function uniqueByKey(values: string[]): string[] {
  const seen = new Set<string>();
  return values.filter((v) => {
    const k = labelKey(v);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** The prompts whose embeddings are averaged into one label's embedding. */
export function promptsForLabel(
  entry: VocabularyLabel,
  templates: readonly string[] = PROMPT_TEMPLATES,
): string[] {
  const names = [entry.label, ...(entry.synonyms ?? [])];
  const sources = entry.prompts?.length ? entry.prompts : templates;
  const prompts: string[] = [];
  for (const p of sources) {
    if (hasLabelPlaceholder(p)) for (const n of names) prompts.push(fillTemplate(p, n));
    else prompts.push(p);
  }
  return [...new Set(prompts)];
}

/**
 * A hash of everything that changes the label embeddings (labels, synonyms, prompts, templates), so a
 * cached set is reused exactly as long as it is still right. The name and description do not count.
 */
export function vocabularyContentHash(
  vocabulary: Vocabulary,
  templates: readonly string[] = PROMPT_TEMPLATES,
): string {
  const canonical = JSON.stringify({
    templates,
    labels: vocabulary.labels.map((l) => [l.label, l.synonyms ?? [], l.prompts ?? []]),
  });
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}

/** Detects the format from a file name, or throws a clear error. */
export function formatFromFileName(fileName: string): VocabularyFormat {
  const m = /\.(txt|csv|json)$/i.exec(fileName);
  if (!m) {
    throw new UserError(
      `Cannot tell the format of "${fileName}": use a .txt (one label per line), .csv or .json file.`,
      'invalid-vocabulary',
    );
  }
  return m[1]!.toLowerCase() as VocabularyFormat;
}

/**
 * Parses a vocabulary file's text.
 * - txt: one label per line; `label | synonym | synonym` adds synonyms; `#` starts a comment line.
 * - csv: columns label, synonyms, prompt (a header row naming them is optional and may reorder them);
 *   several synonyms or prompts in one cell are separated by `|` (or `;` for synonyms).
 * - json: `["cat", …]`, `[{"label": "cat", "synonyms": […], "prompt"|"prompts": …}, …]`, or
 *   `{"name", "description", "labels": [ … ]}` (e.g. a file exported by `lookbook vocab show --json`).
 */
export function parseVocabulary(text: string, format: VocabularyFormat, name: string): ParsedVocabulary {
  const warnings: string[] = [];
  const body = text.replace(/^\uFEFF/, '');
  if (format === 'txt') {
    const labels: VocabularyLabel[] = [];
    const lines: number[] = [];
    body.split(/\r?\n/).forEach((line, i) => {
      const t = line.trim();
      if (!t || t.startsWith('#')) return;
      const [label = '', ...synonyms] = t.split('|');
      labels.push({ label, synonyms });
      lines.push(i + 1);
    });
    const vocabulary = normalizeVocabulary({ name, labels }, warnings, (i) => `line ${lines[i]}`);
    return { vocabulary, warnings };
  }
  if (format === 'csv') return parseCsvVocabulary(body, name, warnings);
  return parseJsonVocabulary(body, name, warnings);
}

function parseJsonVocabulary(text: string, name: string, warnings: string[]): ParsedVocabulary {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new UserError(`The vocabulary is not valid JSON: ${(e as Error).message}`, 'invalid-vocabulary');
  }
  let description: string | undefined;
  let items: unknown;
  if (Array.isArray(data)) items = data;
  else if (data && typeof data === 'object' && Array.isArray((data as { labels?: unknown }).labels)) {
    items = (data as { labels: unknown[] }).labels;
    const d = (data as { description?: unknown }).description;
    if (typeof d === 'string') description = d;
  } else {
    throw new UserError(
      'A JSON vocabulary is a list of labels, or an object with a "labels" list.',
      'invalid-vocabulary',
    );
  }
  const labels = (items as unknown[]).map((item, i): VocabularyLabel => {
    if (typeof item === 'string') return { label: item };
    if (item && typeof item === 'object') {
      const o = item as Record<string, unknown>;
      const label = o.label ?? o.name;
      if (typeof label !== 'string') {
        throw new UserError(`JSON label ${i + 1} has no "label" text.`, 'invalid-vocabulary');
      }
      return {
        label,
        synonyms: cleanList(o.synonyms),
        prompts: [...cleanList(o.prompts), ...cleanList(o.prompt)],
      };
    }
    throw new UserError(`JSON label ${i + 1} is neither text nor an object.`, 'invalid-vocabulary');
  });
  return { vocabulary: normalizeVocabulary({ name, description, labels }, warnings), warnings };
}

/** RFC 4180 rows: quoted fields may hold commas, quotes ("") and line breaks. */
export function parseCsvRows(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else field += c;
      i++;
      continue;
    }
    if (c === '"' && field.trim() === '') {
      quoted = true;
      field = '';
    } else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      if (c === '\r' && text[i + 1] === '\n') i++;
    } else field += c;
    i++;
  }
  if (quoted) throw new UserError('The CSV has an unclosed quote.', 'invalid-vocabulary');
  if (field !== '' || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows.filter((r) => r.some((f) => f.trim() !== ''));
}

function parseCsvVocabulary(text: string, name: string, warnings: string[]): ParsedVocabulary {
  const rows = parseCsvRows(text);
  let columns = { label: 0, synonyms: 1, prompts: 2 };
  let first = 0;
  const header = rows[0]?.map((h) => h.trim().toLowerCase());
  if (header && header.some((h) => h === 'label' || h === 'name' || h === 'tag')) {
    const find = (...names: string[]) => header.findIndex((h) => names.includes(h));
    columns = {
      label: find('label', 'name', 'tag'),
      synonyms: find('synonyms', 'synonym', 'aliases'),
      prompts: find('prompts', 'prompt'),
    };
    first = 1;
  }
  const labels: VocabularyLabel[] = [];
  const lines: number[] = [];
  for (let r = first; r < rows.length; r++) {
    const row = rows[r]!;
    if (row[0]?.trim().startsWith('#')) continue;
    const cell = (c: number) => (c >= 0 ? (row[c] ?? '') : '');
    labels.push({
      label: cell(columns.label),
      synonyms: cell(columns.synonyms).split(/[|;]/),
      prompts: cell(columns.prompts).split('|'),
    });
    lines.push(r + 1);
  }
  const vocabulary = normalizeVocabulary({ name, labels }, warnings, (i) => `row ${lines[i]}`);
  return { vocabulary, warnings };
}
