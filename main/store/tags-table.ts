import * as lancedb from '@lancedb/lancedb';
import type { Table } from '@lancedb/lancedb';
import { tagRunsSchema, tagsSchema } from './schemas.js';
import {
  chunks,
  inList,
  queryAll,
  queryIn,
  sqlString,
  toNumber,
  toText,
  upsertRows,
  type Row,
} from './sql.js';

// The `tags` and `tag_runs` tables: the tags on each photo content and the auto-tagging passes that
// produced them. main/tagging/tag-store.ts decides what to write (review states, suggestions); this
// module only reads and writes rows.

export type TagSource = 'auto' | 'user';
export type TagState = 'suggested' | 'confirmed' | 'rejected';

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

/**
 * A tag as written, with its label's normalized form (tagging's labelKey): one row per content and key
 * however the label is spelled, and what tag filters match on.
 */
export type KeyedTag = TagRecord & { labelKey: string };

/** One auto-tagging pass over one photo: recorded even when it found no label. */
export interface TagRun {
  contentId: string;
  vocabulary: string;
  vocabularyHash: string;
  modelId: string;
  adapterVersion: string;
  taggedAt: number;
}

export interface TagsTable {
  /** The tags of these contents, in any of `states` (every state when absent). */
  tagsOf(contentIds: readonly string[], states?: readonly TagState[]): Promise<TagRecord[]>;
  allTags(): Promise<TagRecord[]>;
  /** Every tag row of these label keys, in any state. */
  tagsWithLabelKeys(labelKeys: readonly string[]): Promise<TagRecord[]>;
  /** Which of these label keys each content carries, in one of `states`. */
  labelKeysOf(
    labelKeys: readonly string[],
    states: readonly TagState[],
  ): Promise<{ contentId: string; labelKey: string }[]>;
  /** Writes tags, replacing the row of the same content and label key. */
  upsertTags(tags: readonly KeyedTag[]): Promise<void>;
  /**
   * Writes auto suggestions: inserts new ones and refreshes rows that are still suggestions, but never
   * overwrites a tag a person confirmed or rejected, even one reviewed a moment ago.
   */
  writeSuggestions(tags: readonly KeyedTag[]): Promise<void>;
  /** Deletes these label keys from these contents; returns how many rows there were. */
  deleteTags(contentIds: readonly string[], labelKeys: readonly string[]): Promise<number>;
  /** Deletes these tags where they are still unreviewed auto suggestions; returns how many were. */
  deleteUnreviewedSuggestions(tags: readonly { contentId: string; labelKey: string }[]): Promise<number>;
  upsertRuns(runs: readonly TagRun[]): Promise<void>;
  /** Deletes the runs of one vocabulary over these contents. */
  deleteRuns(contentIds: readonly string[], vocabulary: string): Promise<void>;
  /** The runs of a vocabulary, over these contents or all. */
  runsOf(vocabulary: string, contentIds?: readonly string[]): Promise<TagRun[]>;
  /** The vocabularies that have auto-tagged anything, sorted. */
  runVocabularies(): Promise<string[]>;
  /** Content ids whose last run of this vocabulary used another model, adapter or vocabulary content. */
  staleRunContentIds(current: Omit<TagRun, 'contentId' | 'taggedAt'>): Promise<string[]>;
  /** Deletes every tag and run of these contents. */
  forgetContents(contentIds: readonly string[]): Promise<void>;
}

// A separator no label key or content id contains.
const SEP = '\u001f';
const tagRowId = (contentId: string, labelKey: string) => `${contentId}${SEP}${labelKey}`;
const runRowId = (contentId: string, vocabulary: string) => `${contentId}${SEP}${vocabulary}`;

function tagFromRow(row: Row): TagRecord {
  return {
    contentId: String(row.contentId),
    label: String(row.label),
    score: toNumber(row.score),
    source: row.source as TagSource,
    state: row.state as TagState,
    vocabulary: toText(row.vocabulary),
    modelId: toText(row.modelId),
    adapterVersion: toText(row.adapterVersion),
    updatedAt: Number(row.updatedAt),
  };
}

function tagToRow(t: KeyedTag): Row {
  return {
    id: tagRowId(t.contentId, t.labelKey),
    contentId: t.contentId,
    label: t.label,
    labelKey: t.labelKey,
    score: t.score,
    source: t.source,
    state: t.state,
    vocabulary: t.vocabulary,
    modelId: t.modelId,
    adapterVersion: t.adapterVersion,
    updatedAt: t.updatedAt,
  };
}

function runFromRow(r: Row): TagRun {
  return {
    contentId: String(r.contentId),
    vocabulary: String(r.vocabulary),
    vocabularyHash: String(r.vocabularyHash),
    modelId: String(r.modelId),
    adapterVersion: String(r.adapterVersion),
    taggedAt: Number(r.taggedAt),
  };
}

const statesIn = (states: readonly TagState[]) => inList('state', states);

/** The tag tables' methods over the open `tags` and `tag_runs` tables. */
export function tagsTable(tags: Table, runs: Table): TagsTable {
  /** Counts then deletes the rows a filter matches. */
  async function countAndDelete(where: string): Promise<number> {
    const n = await tags.countRows(where);
    await tags.delete(where);
    return n;
  }

  return {
    async tagsOf(contentIds, states) {
      const rows = await queryIn(tags, 'contentId', contentIds, {
        and: states ? statesIn(states) : undefined,
      });
      return rows.map(tagFromRow);
    },
    async allTags() {
      return (await queryAll(tags)).map(tagFromRow);
    },
    async tagsWithLabelKeys(labelKeys) {
      return (await queryIn(tags, 'labelKey', labelKeys)).map(tagFromRow);
    },
    async labelKeysOf(labelKeys, states) {
      const rows = await queryIn(tags, 'labelKey', labelKeys, {
        columns: ['contentId', 'labelKey'],
        and: statesIn(states),
      });
      return rows.map((r) => ({ contentId: String(r.contentId), labelKey: String(r.labelKey) }));
    },
    async upsertTags(list) {
      await upsertRows(tags, 'id', tagsSchema, list.map(tagToRow));
    },
    async writeSuggestions(list) {
      if (list.length === 0) return;
      await tags
        .mergeInsert('id')
        .whenMatchedUpdateAll({ where: "target.state = 'suggested'" })
        .whenNotMatchedInsertAll()
        .execute(lancedb.makeArrowTable(list.map(tagToRow), { schema: tagsSchema }));
    },
    async deleteTags(contentIds, labelKeys) {
      let removed = 0;
      for (const part of chunks([...new Set(contentIds)]))
        removed += await countAndDelete(`${inList('contentId', part)} AND ${inList('labelKey', labelKeys)}`);
      return removed;
    },
    async deleteUnreviewedSuggestions(list) {
      // The state condition is in the SQL, so a tag reviewed since the caller read it is left alone.
      let removed = 0;
      for (const part of chunks(list.map((t) => tagRowId(t.contentId, t.labelKey))))
        removed += await countAndDelete(`${inList('id', part)} AND state = 'suggested' AND source = 'auto'`);
      return removed;
    },
    async upsertRuns(list) {
      const rows = list.map((r) => ({
        id: runRowId(r.contentId, r.vocabulary),
        contentId: r.contentId,
        vocabulary: r.vocabulary,
        vocabularyHash: r.vocabularyHash,
        modelId: r.modelId,
        adapterVersion: r.adapterVersion,
        taggedAt: r.taggedAt,
      }));
      await upsertRows(runs, 'id', tagRunsSchema, rows);
    },
    async deleteRuns(contentIds, vocabulary) {
      for (const part of chunks([...new Set(contentIds)]))
        await runs.delete(`${inList('contentId', part)} AND vocabulary = ${sqlString(vocabulary)}`);
    },
    async runsOf(vocabulary, contentIds) {
      const sameVocabulary = `vocabulary = ${sqlString(vocabulary)}`;
      const rows = contentIds
        ? await queryIn(runs, 'contentId', contentIds, { and: sameVocabulary })
        : await queryAll(runs, sameVocabulary);
      return rows.map(runFromRow);
    },
    async runVocabularies() {
      const rows = await queryAll(runs, undefined, ['vocabulary']);
      return [...new Set(rows.map((r) => String(r.vocabulary)))].sort();
    },
    async staleRunContentIds(current) {
      const where =
        `vocabulary = ${sqlString(current.vocabulary)} AND NOT (modelId = ${sqlString(current.modelId)}` +
        ` AND adapterVersion = ${sqlString(current.adapterVersion)}` +
        ` AND vocabularyHash = ${sqlString(current.vocabularyHash)})`;
      const rows = await queryAll(runs, where, ['contentId']);
      return rows.map((r) => String(r.contentId)).sort();
    },
    async forgetContents(contentIds) {
      for (const part of chunks([...new Set(contentIds)])) {
        await tags.delete(inList('contentId', part));
        await runs.delete(inList('contentId', part));
      }
    },
  };
}
