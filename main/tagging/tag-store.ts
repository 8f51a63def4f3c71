import type * as lancedb from '@lancedb/lancedb';
import { Field, Float64, Schema, Utf8 } from 'apache-arrow';
import { openOrCreateTable, sqlString } from '../store/database.js';
import { UserError } from '../errors.js';
import { labelKey } from './vocabulary.js';

export type TagSource = 'auto' | 'user';
export type TagState = 'suggested' | 'confirmed' | 'rejected';
export const TAG_STATES: readonly TagState[] = ['suggested', 'confirmed', 'rejected'];

/** One tag on one photo content (identical files share their tags). */
export interface TagRecord {
  contentId: string;
  label: string;
  /** The softmax probability when auto-tagged; null for a tag a person added. */
  score: number | null;
  source: TagSource;
  state: TagState;
  /** For auto tags: what produced them, so a new model or adapter redoes them. */
  vocabulary: string | null;
  modelId: string | null;
  adapterVersion: string | null;
  /** Milliseconds since the epoch. */
  updatedAt: number;
}

/** One auto-tagging pass over one photo: recorded even when it found no label. */
export interface TagRun {
  contentId: string;
  vocabulary: string;
  vocabularyHash: string;
  modelId: string;
  adapterVersion: string;
  taggedAt: number;
}

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
}

export interface TagCount {
  label: string;
  /** Photos carrying the tag in one of the asked states. */
  count: number;
  confirmed: number;
  suggested: number;
  rejected: number;
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
  /** Forgets everything about these contents (their photos left the library). */
  forgetContents(contentIds: string[]): Promise<void>;
}

const TAGS_TABLE = 'tags';
const RUNS_TABLE = 'tag_runs';

const tagsSchema = new Schema([
  new Field('id', new Utf8(), false),
  new Field('content_id', new Utf8(), false),
  new Field('label', new Utf8(), false),
  new Field('label_key', new Utf8(), false),
  new Field('score', new Float64(), true),
  new Field('source', new Utf8(), false),
  new Field('state', new Utf8(), false),
  new Field('vocabulary', new Utf8(), true),
  new Field('model_id', new Utf8(), true),
  new Field('adapter_version', new Utf8(), true),
  new Field('updated_at', new Float64(), false),
]);

const runsSchema = new Schema([
  new Field('id', new Utf8(), false),
  new Field('content_id', new Utf8(), false),
  new Field('vocabulary', new Utf8(), false),
  new Field('vocabulary_hash', new Utf8(), false),
  new Field('model_id', new Utf8(), false),
  new Field('adapter_version', new Utf8(), false),
  new Field('tagged_at', new Float64(), false),
]);

// Column names are snake_case: LanceDB's SQL filters fold unquoted identifiers.
type TagRow = {
  id: string;
  content_id: string;
  label: string;
  label_key: string;
  score: number | null;
  source: string;
  state: string;
  vocabulary: string | null;
  model_id: string | null;
  adapter_version: string | null;
  updated_at: number;
};
type RunRow = {
  id: string;
  content_id: string;
  vocabulary: string;
  vocabulary_hash: string;
  model_id: string;
  adapter_version: string;
  tagged_at: number;
};

// A separator no label or content id contains.
const SEP = '\u001f';
const tagId = (contentId: string, label: string) => `${contentId}${SEP}${labelKey(label)}`;
const runId = (contentId: string, vocabulary: string) => `${contentId}${SEP}${vocabulary}`;

// IN lists are chunked: one filter with tens of thousands of literals is slow to plan.
const IN_CHUNK = 500;
function chunks<T>(items: T[], size = IN_CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
const inList = (values: string[]) => values.map(sqlString).join(', ');

function toRecord(row: Record<string, unknown>): TagRecord {
  const text = (v: unknown) => (v === null || v === undefined ? null : String(v));
  return {
    contentId: String(row.content_id),
    label: String(row.label),
    score: row.score === null || row.score === undefined ? null : Number(row.score),
    source: row.source as TagSource,
    state: row.state as TagState,
    vocabulary: text(row.vocabulary),
    modelId: text(row.model_id),
    adapterVersion: text(row.adapter_version),
    updatedAt: Number(row.updated_at),
  };
}

function toRow(r: TagRecord): TagRow {
  return {
    id: tagId(r.contentId, r.label),
    content_id: r.contentId,
    label: r.label,
    label_key: labelKey(r.label),
    score: r.score,
    source: r.source,
    state: r.state,
    vocabulary: r.vocabulary,
    model_id: r.modelId,
    adapter_version: r.adapterVersion,
    updated_at: r.updatedAt,
  };
}

function checkLabels(labels: string[]): string[] {
  const clean = labels.map((l) => l.trim().replace(/\s+/g, ' ')).filter((l) => l.length > 0);
  if (clean.length === 0) throw new UserError('Give at least one tag.', 'invalid-tag');
  for (const l of clean) {
    if (l.length > 200)
      throw new UserError(`The tag "${l.slice(0, 40)}…" is longer than 200 characters.`, 'invalid-tag');
  }
  return [...new Map(clean.map((l) => [labelKey(l), l])).values()];
}

/**
 * The `tags` and `tag_runs` tables in the library's LanceDB database. All tagging SQL lives here.
 * Writes from this process are serialized, and auto-tagging inserts only where no row exists, so a
 * person's confirm or reject that lands mid-run is never overwritten.
 */
export function createTagStore(db: lancedb.Connection): TagStore {
  let tables: Promise<{ tags: lancedb.Table; runs: lancedb.Table }> | undefined;
  function open() {
    tables ??= (async () => ({
      tags: await openOrCreateTable(db, TAGS_TABLE, tagsSchema),
      runs: await openOrCreateTable(db, RUNS_TABLE, runsSchema),
    }))();
    tables.catch(() => (tables = undefined));
    return tables;
  }

  let queue: Promise<unknown> = Promise.resolve();
  function serialized<T>(fn: () => Promise<T>): Promise<T> {
    const next = queue.then(fn, fn);
    queue = next.catch(() => undefined);
    return next;
  }

  async function rowsWhere(table: lancedb.Table, where: string): Promise<Record<string, unknown>[]> {
    return (await table.query().where(where).toArray()) as Record<string, unknown>[];
  }

  async function tagRowsFor(contentIds: string[], extra?: string): Promise<TagRecord[]> {
    const { tags } = await open();
    const out: TagRecord[] = [];
    for (const part of chunks([...new Set(contentIds)])) {
      const where = `content_id IN (${inList(part)})${extra ? ` AND (${extra})` : ''}`;
      for (const row of await rowsWhere(tags, where)) out.push(toRecord(row));
    }
    return out;
  }

  async function upsert(rows: TagRecord[]): Promise<void> {
    if (rows.length === 0) return;
    const { tags } = await open();
    await tags.mergeInsert('id').whenMatchedUpdateAll().whenNotMatchedInsertAll().execute(rows.map(toRow));
  }

  const statesFilter = (states: readonly TagState[]) => {
    for (const s of states)
      if (!TAG_STATES.includes(s)) throw new UserError(`Unknown tag state "${s}".`, 'invalid-tag');
    return `state IN (${inList([...states])})`;
  };

  return {
    async tagsFor(contentIds, states) {
      const rows = await tagRowsFor(contentIds, states ? statesFilter(states) : undefined);
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
      const { tags } = await open();
      const rows = (await tags
        .query()
        .where(`label_key IN (${inList(keys)}) AND ${statesFilter(states)}`)
        .select(['content_id', 'label_key'])
        .toArray()) as { content_id: string; label_key: string }[];
      const seen = new Map<string, Set<string>>();
      for (const r of rows) {
        const set = seen.get(r.content_id) ?? new Set<string>();
        set.add(r.label_key);
        seen.set(r.content_id, set);
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

    removeTags(contentIds, labels) {
      const keys = checkLabels(labels).map(labelKey);
      return serialized(async () => {
        const { tags } = await open();
        let removed = 0;
        for (const part of chunks([...new Set(contentIds)])) {
          const where = `content_id IN (${inList(part)}) AND label_key IN (${inList(keys)})`;
          removed += await tags.countRows(where);
          await tags.delete(where);
        }
        return removed;
      });
    },

    applyAutoSuggestions(suggestions, run) {
      return serialized(async () => {
        const { tags, runs } = await open();
        const contentIds = [...suggestions.keys()];
        const result: AutoTagResult = { suggested: 0, skippedReviewed: 0, removed: 0 };
        if (contentIds.length === 0) return result;
        const existing = new Map((await tagRowsFor(contentIds)).map((r) => [tagId(r.contentId, r.label), r]));
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
        // Only this vocabulary's auto suggestions that this run does not make again are removed; the
        // state condition is in the SQL so a tag reviewed since the read above is left alone.
        const stale = [...existing.entries()]
          .filter(
            ([id, r]) =>
              r.source === 'auto' &&
              r.state === 'suggested' &&
              r.vocabulary === run.vocabulary &&
              !keep.has(id),
          )
          .map(([id]) => id);
        for (const part of chunks(stale)) {
          const where = `id IN (${inList(part)}) AND state = 'suggested' AND source = 'auto'`;
          result.removed += await tags.countRows(where);
          await tags.delete(where);
        }
        if (fresh.length) {
          // Refresh earlier suggestions (new score, model) but insert nothing over a reviewed tag.
          await tags
            .mergeInsert('id')
            .whenMatchedUpdateAll({ where: "target.state = 'suggested'" })
            .whenNotMatchedInsertAll()
            .execute(fresh.map(toRow));
          result.suggested = fresh.length;
        }
        const runRows: RunRow[] = contentIds.map((contentId) => ({
          id: runId(contentId, run.vocabulary),
          content_id: contentId,
          vocabulary: run.vocabulary,
          vocabulary_hash: run.vocabularyHash,
          model_id: run.modelId,
          adapter_version: run.adapterVersion,
          tagged_at: now,
        }));
        await runs.mergeInsert('id').whenMatchedUpdateAll().whenNotMatchedInsertAll().execute(runRows);
        return result;
      });
    },

    async runsFor(vocabulary, contentIds) {
      const { runs } = await open();
      const rows: Record<string, unknown>[] = [];
      if (contentIds) {
        for (const part of chunks([...new Set(contentIds)])) {
          rows.push(
            ...(await rowsWhere(
              runs,
              `vocabulary = ${sqlString(vocabulary)} AND content_id IN (${inList(part)})`,
            )),
          );
        }
      } else rows.push(...(await rowsWhere(runs, `vocabulary = ${sqlString(vocabulary)}`)));
      return new Map(
        rows.map((r) => [
          String(r.content_id),
          {
            contentId: String(r.content_id),
            vocabulary: String(r.vocabulary),
            vocabularyHash: String(r.vocabulary_hash),
            modelId: String(r.model_id),
            adapterVersion: String(r.adapter_version),
            taggedAt: Number(r.tagged_at),
          },
        ]),
      );
    },

    async runVocabularies() {
      const { runs } = await open();
      const rows = (await runs.query().select(['vocabulary']).toArray()) as { vocabulary: string }[];
      return [...new Set(rows.map((r) => r.vocabulary))].sort();
    },

    async staleContentIds(current) {
      const { runs } = await open();
      const where =
        `vocabulary = ${sqlString(current.vocabulary)} AND NOT (model_id = ${sqlString(current.modelId)}` +
        ` AND adapter_version = ${sqlString(current.adapterVersion)} AND vocabulary_hash = ${sqlString(current.vocabularyHash)})`;
      const rows = (await runs.query().where(where).select(['content_id']).toArray()) as {
        content_id: string;
      }[];
      return rows.map((r) => r.content_id).sort();
    },

    async counts(options = {}) {
      const states = options.states ?? ['confirmed', 'suggested'];
      // Every state is read so the facet can say how many were rejected; `count` uses the asked ones.
      let rows: TagRecord[];
      if (options.contentIds) rows = await tagRowsFor(options.contentIds);
      else {
        const { tags } = await open();
        rows = ((await tags.query().toArray()) as Record<string, unknown>[]).map(toRecord);
      }
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

    forgetContents(contentIds) {
      return serialized(async () => {
        const { tags, runs } = await open();
        for (const part of chunks([...new Set(contentIds)])) {
          await tags.delete(`content_id IN (${inList(part)})`);
          await runs.delete(`content_id IN (${inList(part)})`);
        }
      });
    },
  };
}
