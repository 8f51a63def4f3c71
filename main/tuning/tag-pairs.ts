import { fillLabel } from '../placeholders.js';
import type { NewPair, PairsStore } from './pairs-store.js';

// Confirmed tags as pairs: each (photo, tag) a person confirmed becomes (photo, caption from a template).
// Tuning reads tags through TagSource, the little it needs, so that it does not depend on tagging (a peer
// layer); whoever builds both services hands tuning the tag store's answers.

/** What fine-tuning needs from tags: the confirmed ones. */
export interface TagSource {
  /** Labels confirmed on at least one photo. */
  confirmedLabels(): Promise<string[]>;
  /** Contents on which a person confirmed this label. */
  confirmedContentIds(label: string): Promise<string[]>;
}

/** Tags become texts through this template by default: the first of tagging's prompt ensemble. */
export const DEFAULT_TAG_TEMPLATE = 'a photo of a {label}.';

/** A tag's caption: the template with `{label}` replaced by the label (see [Note: one placeholder]). */
export function captionForTag(template: string, label: string): string {
  return fillLabel(template, label);
}

/** Stores a pair per confirmed (photo, tag): all confirmed labels, or only `labels`. */
export async function addPairsFromTags(
  tags: TagSource,
  pairs: PairsStore,
  options: { template?: string; labels?: string[] } = {},
): Promise<{ imported: number; existing: number }> {
  const template = options.template ?? DEFAULT_TAG_TEMPLATE;
  const labels = options.labels ?? (await tags.confirmedLabels());
  const list: NewPair[] = [];
  for (const label of labels) {
    const text = captionForTag(template, label);
    for (const contentId of await tags.confirmedContentIds(label)) {
      list.push({ contentId, text, source: 'tag' });
    }
  }
  const r = list.length ? await pairs.add(list) : { inserted: 0, existing: 0 };
  return { imported: r.inserted, existing: r.existing };
}
