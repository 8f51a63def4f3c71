import { join, resolve } from 'node:path';
import { UserError } from '../errors.js';

// Where the library's tables live. By default a folder inside the data directory; `--store` (or
// LOOKBOOK_STORE, or the `store` setting) names another place: a folder on a shared drive, or an object
// storage URI (s3://bucket/prefix …) that LanceDB opens with the same API as a local folder. Per-machine
// state (settings, thumbnails cache, locks of this machine) always stays in the data directory.
//
// Credentials and the endpoint come from the environment only (the standard AWS_* variables), read when
// the store is opened: the setting and --store hold just the URI, so no secret is ever written to
// settings.json, and messages name the variables, never their values.

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

/**
 * LanceDB's storage options for an s3:// store, from the standard AWS variables (the names every AWS
 * tool reads). The keys are object_store's, which LanceDB passes through (docs.lancedb.com, "Configuring
 * cloud storage"): aws_access_key_id, aws_secret_access_key, aws_session_token, aws_endpoint, aws_region,
 * allow_http. gs:// and az:// need nothing here: LanceDB reads GOOGLE_* and AZURE_* from the environment.
 */
function s3Options(env: NodeJS.ProcessEnv): Record<string, string> {
  const options: Record<string, string> = {
    // A store that cannot be reached is reported within seconds, not after object_store's default of
    // ten retries over three minutes; a passing network hiccup still gets its retries.
    client_max_retries: '3',
    client_retry_timeout: '20',
    connect_timeout: '5s',
  };
  const copy = (variable: string, key: string) => {
    const value = env[variable];
    if (value) options[key] = value;
  };
  copy('AWS_ACCESS_KEY_ID', 'aws_access_key_id');
  copy('AWS_SECRET_ACCESS_KEY', 'aws_secret_access_key');
  copy('AWS_SESSION_TOKEN', 'aws_session_token');
  copy('AWS_ENDPOINT_URL_S3', 'aws_endpoint');
  if (!options.aws_endpoint) copy('AWS_ENDPOINT_URL', 'aws_endpoint');
  copy('AWS_DEFAULT_REGION', 'aws_region');
  copy('AWS_REGION', 'aws_region');
  // LanceDB's S3 client panics (a native stack trace) on an endpoint that is not a URL: checked here.
  if (options.aws_endpoint !== undefined && !isHttpUrl(options.aws_endpoint)) {
    const variable = env.AWS_ENDPOINT_URL_S3 ? 'AWS_ENDPOINT_URL_S3' : 'AWS_ENDPOINT_URL';
    throw new UserError(
      `${variable} is not a server address: give one like http://192.168.1.20:9000 or https://s3.example.com`,
      'store-endpoint',
    );
  }
  // S3-compatible servers (MinIO, Ceph, Garage) sign with a region too; theirs is almost always this.
  if (options.aws_endpoint && !options.aws_region) options.aws_region = 'us-east-1';
  // A server on the local network or this machine usually speaks plain HTTP; object_store refuses it
  // unless told. AWS_ALLOW_HTTP=true says so for an endpoint given some other way.
  if (/^http:\/\//i.test(options.aws_endpoint ?? '') || /^(1|true)$/i.test(env.AWS_ALLOW_HTTP ?? ''))
    options.allow_http = 'true';
  return options;
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/** The store of a data directory, given the spec the user chose (undefined: the data directory's own). */
export function storeLocation(
  dataDir: string,
  spec?: string,
  env: NodeJS.ProcessEnv = process.env,
): StoreLocation {
  if (spec === undefined || spec === '')
    return { uri: join(dataDir, 'db'), storageOptions: {}, shared: false };
  if (isObjectStoreUri(spec)) {
    const storageOptions = /^s3:\/\//i.test(spec) ? s3Options(env) : {};
    return { uri: spec, storageOptions, shared: true };
  }
  const folder = resolve(spec.replace(/^file:\/\//i, ''));
  return { uri: folder, storageOptions: {}, shared: folder !== join(resolve(dataDir), 'db') };
}

/** The bucket of an object storage URI (`s3://photos/lookbook` → `photos`), for messages. */
export function bucketOf(uri: string): string {
  return uri.replace(OBJECT_STORE, '').split('/')[0] ?? '';
}

/** Where the store is, in words for messages: the URI, and the endpoint when one is set. */
export function describeStore(location: StoreLocation): string {
  const endpoint = location.storageOptions.aws_endpoint;
  return endpoint ? `${location.uri} at ${endpoint}` : location.uri;
}
