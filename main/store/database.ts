import * as lancedb from '@lancedb/lancedb';
import type { Schema } from 'apache-arrow';
import { UserError } from '../errors.js';
import { bucketOf, describeStore, type StoreLocation } from './store-location.js';

/**
 * Opens (creating if needed) the library's LanceDB database where `location` says (by default a folder
 * inside the data directory; see store-location.ts). Every table in it
 * (files, contents, vectors; tags and tag runs; pairs and cached caption embeddings; albums and their
 * photos) is read and written through a module of main/store/, which alone builds SQL; the connection
 * itself never leaves main/store/.
 *
 * readConsistencyInterval 0: every read sees the latest committed write, also from another handle
 * (the indexer's worker and the API run separate connections).
 */
export async function openDatabase(location: StoreLocation): Promise<lancedb.Connection> {
  return lancedb.connect(location.uri, {
    readConsistencyInterval: 0,
    storageOptions: location.storageOptions,
  });
}

/**
 * What to tell the person when an object store cannot be opened: which of the three usual causes it is
 * (credentials, endpoint, bucket) and which variable or name to fix. LanceDB's own message holds the
 * request URL and the server's XML (with the access key id), so it is never shown; no value of a
 * variable is either. Undefined for anything else (a local folder's errors say what they are).
 */
export function storeOpenError(error: unknown, location: StoreLocation): UserError | undefined {
  if (!location.shared || !/^[a-z0-9+.-]+:\/\//i.test(location.uri)) return undefined;
  const text = error instanceof Error ? error.message : String(error);
  const where = describeStore(location);
  const bucket = bucketOf(location.uri);
  const endpoint = location.storageOptions.aws_endpoint;
  if (/NoSuchBucket|bucket does not exist|404 Not Found/i.test(text)) {
    return new UserError(
      `the bucket "${bucket}" does not exist${endpoint ? ` at ${endpoint}` : ''}: create it, or correct ` +
        'the bucket named by --store (or LOOKBOOK_STORE, or the store setting)',
      'store-no-bucket',
      { cause: error },
    );
  }
  if (
    /InvalidAccessKeyId|SignatureDoesNotMatch|AccessDenied|ExpiredToken|InvalidToken|403 Forbidden|NoCredentialProviders|credential/i.test(
      text,
    )
  ) {
    const missing = !location.storageOptions.aws_access_key_id && /^s3:/i.test(location.uri);
    return new UserError(
      `${where} refused the credentials${missing ? ' (none are set)' : ''}: set AWS_ACCESS_KEY_ID and ` +
        `AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for a temporary key) to a key that may read and ` +
        `write the bucket "${bucket}"`,
      'store-credentials',
      { cause: error },
    );
  }
  if (
    /error sending request|tcp connect|Connection refused|dns error|timed out|timeout|unreachable|error trying to connect/i.test(
      text,
    )
  ) {
    return new UserError(
      endpoint
        ? `cannot reach the object store at ${endpoint}: check AWS_ENDPOINT_URL and that the server runs`
        : `cannot reach ${location.uri}: check the network, or set AWS_ENDPOINT_URL for a server other than AWS`,
      'store-unreachable',
      { cause: error },
    );
  }
  return undefined;
}

/**
 * Opens a table, or returns undefined when it does not exist yet.
 * A table that another connection (the indexer's, or a CLI run next to the app) is creating is listed by
 * tableNames() as soon as its folder exists, before its first version is committed; opening it in that
 * window fails with "not found". For a reader that means the same as absent: nothing is in it yet.
 */
async function openTableIfExists(db: lancedb.Connection, name: string): Promise<lancedb.Table | undefined> {
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
async function openOrCreateTable(
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

/**
 * The tables one store has open, by name. Promises, not tables: two calls that need the same new table at
 * once (a search and the indexer's first write) share one open or creation instead of racing each other.
 */
export interface TableCache {
  /** The table, created empty with `schema` if absent; `prepare` runs once after it is opened. */
  ensure(
    name: string,
    schema: Schema,
    prepare?: (table: lancedb.Table) => Promise<void>,
  ): Promise<lancedb.Table>;
  /** The table, or undefined when it does not exist yet (nothing is created). */
  maybe(name: string): Promise<lancedb.Table | undefined>;
  close(): void;
}

export function createTableCache(db: lancedb.Connection): TableCache {
  const tables = new Map<string, Promise<lancedb.Table>>();
  return {
    ensure(name, schema, prepare) {
      let table = tables.get(name);
      if (!table) {
        table = openOrCreateTable(db, name, schema).then(async (t) => {
          await prepare?.(t);
          return t;
        });
        tables.set(name, table);
        table.catch(() => tables.delete(name));
      }
      return table;
    },
    async maybe(name) {
      const pending = tables.get(name);
      if (pending) return pending;
      const table = await openTableIfExists(db, name);
      if (table && !tables.has(name)) tables.set(name, Promise.resolve(table));
      return table;
    },
    close() {
      // A table still being opened is closed once it is open; nothing here may throw at the caller.
      for (const t of tables.values()) void t.then((table) => table.close()).catch(() => undefined);
      tables.clear();
    },
  };
}
