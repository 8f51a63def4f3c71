import { join } from 'node:path';
import * as lancedb from '@lancedb/lancedb';
import type { Schema } from 'apache-arrow';

/**
 * Opens (creating if needed) the library's LanceDB database inside the data directory.
 * Every area owns its own tables in this one database (store: files, contents, vectors; tagging: tags;
 * tuning: pairs) and keeps its SQL filters, with their quoting, in its own repository module.
 *
 * readConsistencyInterval 0: every read sees the latest committed write, also from another handle
 * (the indexer's worker and the API run separate connections).
 */
export async function openDatabase(dataDir: string): Promise<lancedb.Connection> {
  return lancedb.connect(join(dataDir, 'db'), { readConsistencyInterval: 0 });
}

/**
 * Opens a table, or returns undefined when it does not exist yet.
 * A table that another connection (the indexer's, or a CLI run next to the app) is creating is listed by
 * tableNames() as soon as its folder exists, before its first version is committed; opening it in that
 * window fails with "not found". For a reader that means the same as absent: nothing is in it yet.
 */
export async function openTableIfExists(
  db: lancedb.Connection,
  name: string,
): Promise<lancedb.Table | undefined> {
  if (!(await db.tableNames()).includes(name)) return undefined;
  try {
    return await db.openTable(name);
  } catch (error) {
    if (isTableNotFound(error)) return undefined;
    throw error;
  }
}

/**
 * Opens a table, creating it empty with this schema when it does not exist. Safe against another
 * connection creating the same table at the same moment (existOk, and a short retry for the window in
 * which the other creation is listed but not yet committed).
 */
export async function openOrCreateTable(
  db: lancedb.Connection,
  name: string,
  schema: Schema,
): Promise<lancedb.Table> {
  for (let attempt = 1; ; attempt++) {
    const existing = await openTableIfExists(db, name);
    if (existing) return existing;
    try {
      return await db.createEmptyTable(name, schema, { mode: 'create', existOk: true });
    } catch (error) {
      if (!isTableNotFound(error) || attempt >= 50) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

function isTableNotFound(error: unknown): boolean {
  return error instanceof Error && /was not found/.test(error.message);
}

/** Quotes a string literal for a LanceDB SQL filter. */
export function sqlString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
