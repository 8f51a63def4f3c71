import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { formatFromExtension } from '../media/formats.js';
import { fillLabel, hasLabelPlaceholder } from '../placeholders.js';
import { imageProblem } from './tsv-dataset.js';

/** A file a class folder's images may be: any format Lookbook decodes. */
const isReadablePhotoName = (name: string) => {
  const f = formatFromExtension(name);
  return f !== undefined && f !== 'unsupported';
};

export const DEFAULT_CLASS_TEMPLATE = 'a photo of a {label}.';

export type FolderRecord =
  { ok: true; path: string; className: string; text: string } | { ok: false; path: string; reason: string };

export interface ReadFolderOptions {
  /** `{label}` is replaced by the class name (see [Note: one placeholder]). Default "a photo of a {label}.". */
  template?: string;
  /** Check that every image decodes (sharp reads its header). Default true. */
  checkImages?: boolean;
}

/**
 * The common image-classification layout as (photo, text) pairs: `dir/<class name>/*.jpg`, the text made
 * from the prompt template. Underscores and dashes in a folder name become spaces
 * ("burgundy_wrap_dress" → "a photo of a burgundy wrap dress."). Classes and files come in sorted
 * order; hidden entries, loose files at the top level and deeper folders are ignored; a photo that does
 * not decode is yielded as `{ ok: false, path, reason }`.
 */
export async function* readFolderDataset(
  dir: string,
  options: ReadFolderOptions = {},
): AsyncGenerator<FolderRecord> {
  const { template = DEFAULT_CLASS_TEMPLATE, checkImages = true } = options;
  const classes = (await readdir(dir, { withFileTypes: true }))
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort();
  for (const folder of classes) {
    const className = classNameOf(folder);
    const text = classPrompt(template, className);
    const files = (await readdir(join(dir, folder), { withFileTypes: true }))
      .filter((e) => e.isFile() && !e.name.startsWith('.') && isReadablePhotoName(e.name))
      .map((e) => e.name)
      .sort();
    for (const name of files) {
      const path = join(dir, folder, name);
      const problem = checkImages ? await imageProblem(path) : null;
      if (problem) yield { ok: false, path, reason: problem };
      else yield { ok: true, path, className, text };
    }
  }
}

export function classNameOf(folderName: string): string {
  return folderName.replace(/[_-]+/g, ' ').replace(/\s+/g, ' ').trim();
}

export function classPrompt(template: string, className: string): string {
  return hasLabelPlaceholder(template) ? fillLabel(template, className) : `${template} ${className}`.trim();
}
