import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { describeError } from '../errors.js';
import { writeFileAtomic } from '../temp-files.js';
import { mergeXmpKeywords, sidecarPath, type SidecarNaming } from './xmp-sidecar.js';

export interface XmpExportItem {
  /** The photo the sidecar belongs to (never opened, never written). */
  photoPath: string;
  keywords: string[];
}

export type XmpFileStatus = 'created' | 'updated' | 'unchanged' | 'failed';

export interface XmpFileResult {
  photoPath: string;
  sidecarPath: string;
  status: XmpFileStatus;
  added: string[];
  reason?: string;
}

export interface XmpExportSummary {
  naming: SidecarNaming;
  created: number;
  updated: number;
  unchanged: number;
  failed: number;
  files: XmpFileResult[];
}

export interface XmpExportOptions {
  naming?: SidecarNaming;
  /** Report what would be written without writing. */
  dryRun?: boolean;
  onProgress?: (p: { done: number; total: number }) => void;
}

/**
 * Writes keywords into each photo's XMP sidecar, merging with what a sidecar already holds. Only sidecar
 * files are written (through a temporary file and a rename, so a crash leaves the old sidecar intact);
 * photos are never opened. A sidecar that cannot be parsed is left untouched and reported. Photos are
 * handled one after another, so two photos sharing a Lightroom-style sidecar (`a.jpg`, `a.cr2` →
 * `a.xmp`) both end up in it.
 */
export async function exportXmpSidecars(
  items: XmpExportItem[],
  options: XmpExportOptions = {},
): Promise<XmpExportSummary> {
  const naming = options.naming ?? 'darktable';
  const summary: XmpExportSummary = { naming, created: 0, updated: 0, unchanged: 0, failed: 0, files: [] };
  let done = 0;
  for (const item of items) {
    const target = sidecarPath(item.photoPath, naming);
    const result: XmpFileResult = {
      photoPath: item.photoPath,
      sidecarPath: target,
      status: 'unchanged',
      added: [],
    };
    try {
      if (resolve(target) === resolve(item.photoPath))
        throw new Error('the sidecar would be the photo itself');
      let existing: string | undefined;
      try {
        existing = await readFile(target, 'utf8');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
      const merged = mergeXmpKeywords(existing, item.keywords);
      result.added = merged.added;
      // No keywords and no sidecar: nothing to say, so no empty sidecar is created.
      if (existing === undefined ? merged.added.length === 0 : merged.xml === existing)
        result.status = 'unchanged';
      else {
        result.status = existing === undefined ? 'created' : 'updated';
        if (!options.dryRun) await writeFileAtomic(target, merged.xml);
      }
    } catch (e) {
      result.status = 'failed';
      result.reason = `${target}: ${describeError(e)}`;
    }
    summary[result.status]++;
    summary.files.push(result);
    options.onProgress?.({ done: ++done, total: items.length });
  }
  return summary;
}
