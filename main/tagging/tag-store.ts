import type { LibraryStore } from '../store/library-store.js';
import type { KeyedTag, TagRecord, TagRun, TagState, TagsTable } from '../store/tags-table.js';
import { UserError } from '../errors.js';
import { labelKey } from './vocabulary.js';

export type { TagRecord, TagRun, TagSource, TagState } from '../store/tags-table.js';
export const TAG_STATES: readonly TagState[] = ['suggested', 'confirmed', 'rejected'];

export interface AutoSuggestion {
  label: string;
  score: number;
}

export interface AutoTagResult {
  /** Suggestions written (new or refreshed). */
  suggested: number;
  /** Suggestions not written because a person already confirmed or rejected that tag. */
  skippedReviewed: number;
  /** Earlier auto suggestions that this run no longer makes, removed. */
  removed: number;
  /** What undoing this write needs (see TagRunUndo). */
  undo: TagRunUndo;
}

/**
 * What one auto-tagging write changed, so that it can be undone: the suggestions it wrote, and the
 * suggestions and runs of the same vocabulary that were there before (it replaced or refreshed them).
 */
export interface TagRunUndo {
  vocabulary: string;
  written: { contentId: string; labelKey: string }[];
  previous: TagRecord[];
  previousRuns: TagRun[];
  contentIds: string[];
}

export interface TagCount {
  label: string;
  /** Photos carrying the tag in one of the asked states. */
  count: number;
  confirmed: number;
  suggested: number;
  rejected: number;
}

/** A label's place in review: its suggestions still waiting, and those a person already answered. */
export interface ReviewCount {
  label: string;
  pending: number;
  reviewed: number;
}

export interface TagStore {
  /** Tags of these contents (all states unless filtered), grouped by content id. */
  tagsFor(contentIds: string[], states?: readonly TagState[]): Promise<Map<string, TagRecord[]>>;
  /**
   * The content ids that carry every one of `labels` (mode 'all', the default) or any of them, in one of
   * `states`. This is the search filter hook.
   */
  contentIdsWithTags(labels: string[], states?: readonly TagState[], mode?: 'all' | 'any'): Promise<string[]>;
  /** Adds tags by hand: source user, state confirmed (a suggestion or rejection of the same tag becomes it). */
  addUserTags(contentIds: string[], labels: string[]): Promise<number>;
  /**
   * Confirms or rejects tags. A tag that does not exist yet is created (source user) so that rejecting in
   * advance also keeps auto-tagging from ever suggesting it.
   */
  setState(contentIds: string[], labels: string[], state: 'confirmed' | 'rejected'): Promise<number>;
  /**
   * Reviews suggestions in bulk: the suggested `labels` of these contents (every suggested tag when
   * `labels` is undefined), those scored at least `minScore` when given, become `state`, in one write.
   * Tags already confirmed or rejected, and tags never suggested, are left alone (adding a tag is
   * addUserTags). Returns the contents that changed.
   */
  reviewSuggestions(
    contentIds: string[],
    labels: string[] | undefined,
    state: 'confirmed' | 'rejected',
    options?: { minScore?: number },
  ): Promise<Set<string>>;
  /** Removes tags outright (auto-tagging may suggest them again; reject to prevent that). */
  removeTags(contentIds: string[], labels: string[]): Promise<number>;
  /**
   * Writes one auto-tagging run's suggestions. Replaces this vocabulary's earlier auto suggestions for
   * these contents; never touches a confirmed or rejected tag, never suggests a rejected one again.
   */
  applyAutoSuggestions(
    suggestions: Map<string, AutoSuggestion[]>,
    run: { vocabulary: string; vocabularyHash: string; modelId: string; adapterVersion: string },
  ): Promise<AutoTagResult>;
  /**
   * Undoes auto-tagging writes (newest first): removes their suggestions that are still unreviewed and
   * puts back the suggestions and runs they replaced. Confirmed, rejected and hand-added tags stay as
   * they are.
   */
  undoAutoSuggestions(undos: readonly TagRunUndo[]): Promise<{ removed: number; restored: number }>;
  /** The last run per content for a vocabulary. */
  runsFor(vocabulary: string, contentIds?: string[]): Promise<Map<string, TagRun>>;
  /** The vocabularies that have auto-tagged anything. */
  runVocabularies(): Promise<string[]>;
  /** Content ids whose last run used another model, adapter or vocabulary content. */
  staleContentIds(current: {
    vocabulary: string;
    vocabularyHash: string;
    modelId: string;
    adapterVersion: string;
  }): Promise<string[]>;
  /** Tag counts (facets), over given contents or the whole library. */
  counts(options?: { contentIds?: string[]; states?: readonly TagState[] }): Promise<TagCount[]>;
  /**
   * Each label's suggestions over these contents: pending (still suggested) and reviewed (a suggestion
   * since confirmed or rejected; a tag a person added is not a suggestion). Labels with none pending are
   * left out; most pending first.
   */
  reviewCounts(contentIds: ReadonlySet<string>): Promise<ReviewCount[]>;
  /** One label's suggestions over these contents: the pending ones, most confident first, and the counts. */
  reviewQueue(
    label: string,
    contentIds: ReadonlySet<string>,
  ): Promise<ReviewCount & { suggestions: Array<{ contentId: string; score: number }> }>;
  /** Forgets everything about these contents (their photos left the library). */
  forgetContents(contentIds: string[]): Promise<void>;
}

// A map key for one tag of one content, whatever the label's spelling.
const SEP = '\u001f';
const tagId = (contentId: string, label: string) => `${contentId}${SEP}${labelKey(label)}`;
const keyed = (r: TagRecord): KeyedTag => ({ ...r, labelKey: labelKey(r.label) });
/** A tag auto-tagging suggested (it carries the suggestion's confidence), whatever its state now. */
const wasSuggested = (r: TagRecord) => r.score !== null;

function checkLabels(labels: string[]): string[] {
  const clean = labels.map((l) => l.trim().replace(/\s+/g, ' ')).filter((l) => l.length > 0);
  if (clean.length === 0) throw new UserError('Give at least one tag.', 'invalid-tag');
  for (const l of clean) {
    if (l.length > 200)
      throw new UserError(`The tag "${l.slice(0, 40)}…" is longer than 200 characters.`, 'invalid-tag');
  }
  return [...new Map(clean.map((l) => [labelKey(l), l])).values()];
}

/** States as asked by a caller (the CLI passes them through): an unknown one is a user's mistake. */
function checkStates(states: readonly TagState[]): readonly TagState[] {
  for (const s of states)
    if (!TAG_STATES.includes(s)) throw new UserError(`Unknown tag state "${s}".`, 'invalid-tag');
  return states;
}

/**
 * The library's tags: review states, user tags and auto-tagging suggestions, over the store's `tags` and
 * `tag_runs` tables (main/store/tags-table.ts holds their SQL). Writes from this process are serialized,
 * and auto-tagging inserts only where no row exists, so a person's confirm or reject that lands mid-run
 * is never overwritten.
 */
export function createTagStore(store: LibraryStore): TagStore {
  let table: Promise<TagsTable> | undefined;
  function open() {
    table ??= store.openTagsTable();
    table.catch(() => (table = undefined));
    return table;
  }

  let queue: Promise<unknown> = Promise.resolve();
  function serialized<T>(fn: () => Promise<T>): Promise<T> {
    const next = queue.then(fn, fn);
    queue = next.catch(() => undefined);
    return next;
  }

  const tagRowsFor = async (contentIds: string[]) => (await open()).tagsOf(contentIds);
  const upsert = async (rows: TagRecord[]) => (await open()).upsertTags(rows.map(keyed));

  return {
    async tagsFor(contentIds, states) {
      const rows = await (await open()).tagsOf(contentIds, states && checkStates(states));
      const out = new Map<string, TagRecord[]>();
      for (const r of rows) {
        const list = out.get(r.contentId) ?? [];
        list.push(r);
        out.set(r.contentId, list);
      }
      for (const list of out.values())
        list.sort((a, b) => (b.score ?? 2) - (a.score ?? 2) || a.label.localeCompare(b.label));
      return out;
    },

    async contentIdsWithTags(labels, states = ['confirmed', 'suggested'], mode = 'all') {
      const keys = [...new Set(labels.map(labelKey).filter((k) => k))];
      if (keys.length === 0) return [];
      const rows = await (await open()).labelKeysOf(keys, checkStates(states));
      const seen = new Map<string, Set<string>>();
      for (const r of rows) {
        const set = seen.get(r.contentId) ?? new Set<string>();
        set.add(r.labelKey);
        seen.set(r.contentId, set);
      }
      return [...seen]
        .filter(([, set]) => (mode === 'any' ? set.size > 0 : set.size === keys.length))
        .map(([id]) => id)
        .sort();
    },

    addUserTags(contentIds, labels) {
      const clean = checkLabels(labels);
      return serialized(async () => {
        const existing = new Map((await tagRowsFor(contentIds)).map((r) => [tagId(r.contentId, r.label), r]));
        const now = Date.now();
        const rows: TagRecord[] = [];
        for (const contentId of new Set(contentIds)) {
          for (const label of clean) {
            const old = existing.get(tagId(contentId, label));
            if (old?.state === 'confirmed') continue;
            rows.push({
              contentId,
              label,
              score: old?.score ?? null,
              source: 'user',
              state: 'confirmed',
              vocabulary: old?.vocabulary ?? null,
              modelId: old?.modelId ?? null,
              adapterVersion: old?.adapterVersion ?? null,
              updatedAt: now,
            });
          }
        }
        await upsert(rows);
        return rows.length;
      });
    },

    setState(contentIds, labels, state) {
      const clean = checkLabels(labels);
      return serialized(async () => {
        const existing = new Map((await tagRowsFor(contentIds)).map((r) => [tagId(r.contentId, r.label), r]));
        const now = Date.now();
        const rows: TagRecord[] = [];
        for (const contentId of new Set(contentIds)) {
          for (const label of clean) {
            const old = existing.get(tagId(contentId, label));
            if (old?.state === state) continue;
            rows.push(
              old
                ? { ...old, state, updatedAt: now }
                : {
                    contentId,
                    label,
                    score: null,
                    source: 'user',
                    state,
                    vocabulary: null,
                    modelId: null,
                    adapterVersion: null,
                    updatedAt: now,
                  },
            );
          }
        }
        await upsert(rows);
        return rows.length;
      });
    },

    reviewSuggestions(contentIds, labels, state, options = {}) {
      const keys = labels ? new Set(checkLabels(labels).map(labelKey)) : undefined;
      const { minScore } = options;
      return serialized(async () => {
        // Read inside the queue: a suggestion that auto-tagging replaced a moment ago is seen as it is now.
        const pending = await (await open()).tagsOf(contentIds, ['suggested']);
        const now = Date.now();
        const rows = pending
          .filter((r) => !keys || keys.has(labelKey(r.label)))
          .filter((r) => minScore === undefined || (r.score !== null && r.score >= minScore))
          .map((r): TagRecord => ({ ...r, state, updatedAt: now }));
        await upsert(rows);
        return new Set(rows.map((r) => r.contentId));
      });
    },

    removeTags(contentIds, labels) {
      const keys = checkLabels(labels).map(labelKey);
      return serialized(async () => {
        return (await open()).deleteTags(contentIds, keys);
      });
    },

    applyAutoSuggestions(suggestions, run) {
      return serialized(async () => {
        const table = await open();
        const contentIds = [...suggestions.keys()];
        const undo: TagRunUndo = {
          vocabulary: run.vocabulary,
          written: [],
          previous: [],
          previousRuns: [],
          contentIds,
        };
        const result: AutoTagResult = { suggested: 0, skippedReviewed: 0, removed: 0, undo };
        if (contentIds.length === 0) return result;
        const existing = new Map((await tagRowsFor(contentIds)).map((r) => [tagId(r.contentId, r.label), r]));
        undo.previous = [...existing.values()].filter(
          (r) => r.source === 'auto' && r.state === 'suggested' && r.vocabulary === run.vocabulary,
        );
        undo.previousRuns = await table.runsOf(run.vocabulary, contentIds);
        const now = Date.now();
        const fresh: TagRecord[] = [];
        const keep = new Set<string>();
        for (const [contentId, list] of suggestions) {
          for (const s of list) {
            const id = tagId(contentId, s.label);
            const old = existing.get(id);
            if (old && old.state !== 'suggested') {
              result.skippedReviewed++;
              continue;
            }
            // Another vocabulary's suggestion of the same tag stays its own (no churn between runs).
            if (old && old.vocabulary !== run.vocabulary) continue;
            keep.add(id);
            fresh.push({
              contentId,
              label: s.label,
              score: s.score,
              source: 'auto',
              state: 'suggested',
              vocabulary: run.vocabulary,
              modelId: run.modelId,
              adapterVersion: run.adapterVersion,
              updatedAt: now,
            });
          }
        }
        // Only this vocabulary's auto suggestions that this run does not make again are removed (and only
        // while still unreviewed: a tag reviewed since the read above is left alone).
        const stale = [...existing.entries()]
          .filter(
            ([id, r]) =>
              r.source === 'auto' &&
              r.state === 'suggested' &&
              r.vocabulary === run.vocabulary &&
              !keep.has(id),
          )
          .map(([, r]) => keyed(r));
        result.removed = await table.deleteUnreviewedSuggestions(stale);
        // Refresh earlier suggestions (new score, model) but insert nothing over a reviewed tag.
        await table.writeSuggestions(fresh.map(keyed));
        result.suggested = fresh.length;
        undo.written = fresh.map((t) => ({ contentId: t.contentId, labelKey: labelKey(t.label) }));
        const { vocabulary, vocabularyHash, modelId, adapterVersion } = run;
        await table.upsertRuns(
          contentIds.map((contentId) => ({
            contentId,
            vocabulary,
            vocabularyHash,
            modelId,
            adapterVersion,
            taggedAt: now,
          })),
        );
        return result;
      });
    },

    undoAutoSuggestions(undos) {
      return serialized(async () => {
        const table = await open();
        let removed = 0;
        let restored = 0;
        for (const undo of undos) {
          // A suggestion the run only refreshed is deleted and put back: counted as neither.
          const before = new Set(undo.previous.map((r) => tagId(r.contentId, r.label)));
          const written = new Set(undo.written.map((w) => `${w.contentId}${SEP}${w.labelKey}`));
          const refreshed = undo.written.filter((w) => before.has(`${w.contentId}${SEP}${w.labelKey}`));
          removed += Math.max(0, (await table.deleteUnreviewedSuggestions(undo.written)) - refreshed.length);
          // Put back what was there; a tag a person reviewed since keeps its review (writeSuggestions
          // never overwrites one).
          await table.writeSuggestions(undo.previous.map(keyed));
          restored += undo.previous.filter((r) => !written.has(tagId(r.contentId, r.label))).length;
          await table.deleteRuns(undo.contentIds, undo.vocabulary);
          await table.upsertRuns(undo.previousRuns);
        }
        return { removed, restored };
      });
    },

    async runsFor(vocabulary, contentIds) {
      const runs = await (await open()).runsOf(vocabulary, contentIds);
      return new Map(runs.map((r): [string, TagRun] => [r.contentId, r]));
    },

    async runVocabularies() {
      return (await open()).runVocabularies();
    },

    async staleContentIds(current) {
      return (await open()).staleRunContentIds(current);
    },

    async counts(options = {}) {
      const states = options.states ?? ['confirmed', 'suggested'];
      // Every state is read so the facet can say how many were rejected; `count` uses the asked ones.
      const table = await open();
      const rows = options.contentIds ? await table.tagsOf(options.contentIds) : await table.allTags();
      const byKey = new Map<string, TagCount>();
      for (const r of rows) {
        const k = labelKey(r.label);
        const c = byKey.get(k) ?? { label: r.label, count: 0, confirmed: 0, suggested: 0, rejected: 0 };
        if (states.includes(r.state)) c.count++;
        c[r.state]++;
        byKey.set(k, c);
      }
      return [...byKey.values()]
        .filter((c) => c.count > 0)
        .sort((a, b) => b.count - a.count || a.label.localeCompare(b.label));
    },

    async reviewCounts(contentIds) {
      const byKey = new Map<string, ReviewCount>();
      for (const r of await (await open()).allTags()) {
        if (!wasSuggested(r) || !contentIds.has(r.contentId)) continue;
        const k = labelKey(r.label);
        const c = byKey.get(k) ?? { label: r.label, pending: 0, reviewed: 0 };
        if (r.state === 'suggested') c.pending++;
        else c.reviewed++;
        byKey.set(k, c);
      }
      return [...byKey.values()]
        .filter((c) => c.pending > 0)
        .sort((a, b) => b.pending - a.pending || a.label.localeCompare(b.label));
    },

    async reviewQueue(label, contentIds) {
      const [clean] = checkLabels([label]);
      const rows = (await (await open()).tagsWithLabelKeys([labelKey(clean!)])).filter(
        (r) => wasSuggested(r) && contentIds.has(r.contentId),
      );
      const pending = rows
        .filter((r) => r.state === 'suggested')
        .map((r) => ({ contentId: r.contentId, score: r.score! }))
        .sort((a, b) => b.score - a.score || a.contentId.localeCompare(b.contentId));
      return {
        label: rows[0]?.label ?? clean!,
        pending: pending.length,
        reviewed: rows.length - pending.length,
        suggestions: pending,
      };
    },

    forgetContents(contentIds) {
      return serialized(async () => {
        await (await open()).forgetContents(contentIds);
      });
    },
  };
}
