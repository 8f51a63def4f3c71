import type { Table } from '@lancedb/lancedb';

// Versions before the tag, pair and caption-cache tables moved into main/store/ named their columns in
// snake_case (content_id, label_key, created_at, …). Every table now uses camelCase, like the row types,
// so a table written by such a version is renamed in place the first time it is opened. A rename in
// LanceDB changes only the table's schema (one new version, no data rewritten) and all the renames of a
// table commit together: a reader sees either every old name or every new one.

/** The old → new column names of the tables earlier versions wrote, by table name. */
export const LEGACY_COLUMNS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  tags: {
    content_id: 'contentId',
    label_key: 'labelKey',
    model_id: 'modelId',
    adapter_version: 'adapterVersion',
    updated_at: 'updatedAt',
  },
  tag_runs: {
    content_id: 'contentId',
    vocabulary_hash: 'vocabularyHash',
    model_id: 'modelId',
    adapter_version: 'adapterVersion',
    tagged_at: 'taggedAt',
  },
  pairs: { content_id: 'contentId', created_at: 'createdAt' },
};

/**
 * Renames the table's legacy columns, if it still has any. Two processes may open an old table at the
 * same moment: the one whose rename loses finds the columns already renamed, which is what it wanted.
 */
export async function renameLegacyColumns(table: Table, renames: Readonly<Record<string, string>>) {
  const pending = async () => {
    const present = new Set((await table.schema()).fields.map((f) => f.name));
    return Object.entries(renames).filter(([from, to]) => present.has(from) && !present.has(to));
  };
  const todo = await pending();
  if (todo.length === 0) return;
  try {
    await table.alterColumns(todo.map(([path, rename]) => ({ path, rename })));
  } catch (error) {
    if ((await pending()).length > 0) throw error;
  }
}
