import { join, resolve } from 'node:path';

// Where the library's tables live. By default a folder inside the data directory; `--store` (or
// LOOKBOOK_STORE, or the `store` setting) names another place: a folder on a shared drive, or an object
// storage URI (s3://bucket/prefix …) that LanceDB opens with the same API as a local folder. Per-machine
// state (settings, thumbnails cache, locks of this machine) always stays in the data directory.

export interface StoreLocation {
  /** What LanceDB connects to: an absolute folder or an object storage URI. */
  uri: string;
  /** LanceDB's storage options (endpoint, region, …); never holds anything written to settings files. */
  storageOptions: Record<string, string>;
  /** Whether the tables are outside this data directory, so other machines may use them too. */
  shared: boolean;
}

const OBJECT_STORE = /^[a-z][a-z0-9+.-]*:\/\//i;

/** Whether a store spec names object storage (s3://, gs://, az://, …) rather than a folder. */
export function isObjectStoreUri(spec: string): boolean {
  return OBJECT_STORE.test(spec) && !/^file:\/\//i.test(spec);
}

/** The store of a data directory, given the spec the user chose (undefined: the data directory's own). */
export function storeLocation(dataDir: string, spec?: string): StoreLocation {
  if (spec === undefined || spec === '')
    return { uri: join(dataDir, 'db'), storageOptions: {}, shared: false };
  if (isObjectStoreUri(spec)) return { uri: spec, storageOptions: {}, shared: true };
  const folder = resolve(spec.replace(/^file:\/\//i, ''));
  return { uri: folder, storageOptions: {}, shared: folder !== join(resolve(dataDir), 'db') };
}
