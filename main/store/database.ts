import { join } from 'node:path';
import * as lancedb from '@lancedb/lancedb';

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

/** Quotes a string literal for a LanceDB SQL filter. */
export function sqlString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
