import { createRequire } from 'node:module';
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

// A real S3-compatible server on 127.0.0.1 for the tests of a shared library: s3rver (npm, dev
// dependency) on a temporary folder, started and stopped by the test itself.
//
// s3rver predates S3's conditional writes (AWS added If-None-Match on PUT in 2024; MinIO, R2, Ceph and
// Garage honour it too) and ignores the header, and it streams an object into its file in place, so a
// reader may see it half-written. LanceDB commits a new table version with exactly such a conditional
// put of the next manifest; without it two writers silently overwrite each other's version (measured:
// two processes appending 20 rows each kept 28 of 41). The middleware below gives s3rver the behaviour
// of those servers, per key: a put-if-absent answers 412 when the object exists, and a read of a key
// waits for a conditional put of it in flight.
//
// Its put answers before the object's file is written (it ends the write stream and returns), so a read
// right after a commit found a manifest of 0 bytes; here an object is written whole under a temporary
// name and renamed, before the answer, as a real server makes an object visible only once complete.
//
// Its listing with a delimiter also misses every "folder" that holds no object directly (it stops
// walking below the first level), so LanceDB's tableNames() saw no table at all (each table's objects
// are in <name>.lance/_versions/ and data/). The listing is redone here from the flat one.

interface Listing {
  objects: Array<{ key: string }>;
  commonPrefixes: string[];
  isTruncated: boolean;
}
interface S3Object {
  bucket: string;
  key: string;
  content: Buffer | Readable;
  metadata: unknown;
}
interface ListOptions {
  delimiter?: string;
  prefix?: string;
  startAfter?: string;
  maxKeys?: number;
}
interface S3rverInstance {
  middleware: Array<(ctx: KoaContext, next: () => Promise<void>) => Promise<void>>;
  store: {
    getResourcePath(bucket: string, key: string, resource: string): string;
    putMetadata(bucket: string, key: string, metadata: unknown, md5: string): Promise<void>;
    putObject(object: S3Object): Promise<{ size: number; md5: string }>;
    existsObject(bucket: string, key: string): Promise<boolean>;
    listObjects(bucket: string, options: ListOptions): Promise<Listing>;
  };
  run(): Promise<{ address: string; port: number }>;
  close(): Promise<void>;
}
interface KoaContext {
  method: string;
  path: string;
  headers: Record<string, string | undefined>;
  status: number;
  body: unknown;
}
type S3rverClass = new (options: Record<string, unknown>) => S3rverInstance;

const S3rver = createRequire(import.meta.url)('s3rver') as S3rverClass;

/** s3rver's fixed key pair (it accepts no other): test credentials, not secrets. */
export const S3_KEY = { id: 'S3RVER', secret: 'S3RVER' };

export interface TestS3Server {
  /** http://127.0.0.1:<port> */
  endpoint: string;
  /** The environment a Lookbook process needs to use it (the standard AWS variables). */
  env: Record<string, string>;
  stop(): Promise<void>;
}

export async function startS3Server(buckets: string[]): Promise<TestS3Server> {
  const directory = await mkdtemp(join(tmpdir(), 'lookbook-s3-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: buckets.map((name) => ({ name })),
  });
  const store = server.store;
  store.putObject = async (object) => {
    const content = Buffer.isBuffer(object.content) ? object.content : await buffer(object.content);
    const md5 = createHash('md5').update(content).digest('hex');
    const path = store.getResourcePath(object.bucket, object.key, 'object');
    await mkdir(dirname(path), { recursive: true });
    const temporary = `${path}.${randomUUID()}.partial`;
    await writeFile(temporary, content);
    // The metadata first: until the rename, the object does not exist for a reader.
    await store.putMetadata(object.bucket, object.key, object.metadata, md5);
    await rename(temporary, path);
    return { size: content.length, md5 };
  };
  const flatList = server.store.listObjects.bind(server.store);
  server.store.listObjects = async (bucket, options) => {
    const { delimiter, prefix = '', maxKeys = Infinity } = options;
    if (!delimiter) return flatList(bucket, options);
    const all = await flatList(bucket, { ...options, delimiter: '', maxKeys: Infinity });
    const prefixes = new Set<string>();
    const objects: Listing['objects'] = [];
    for (const object of all.objects) {
      const at = object.key.indexOf(delimiter, prefix.length);
      if (at === -1) objects.push(object);
      else prefixes.add(object.key.slice(0, at + delimiter.length));
    }
    return {
      objects: objects.slice(0, maxKeys),
      commonPrefixes: [...prefixes].sort(),
      isTruncated: objects.length > maxKeys,
    };
  };
  const inFlight = new Map<string, Promise<void>>();
  server.middleware.unshift(async (ctx, next) => {
    const [, bucket = '', ...rest] = decodeURIComponent(ctx.path).split('/');
    const key = `${bucket}/${rest.join('/')}`;
    if (!(ctx.method === 'PUT' && ctx.headers['if-none-match'] === '*')) {
      if (ctx.method === 'GET' || ctx.method === 'HEAD') await inFlight.get(key);
      return next();
    }
    // Conditional puts of one key run one at a time: the check and the write are one step.
    const before = inFlight.get(key) ?? Promise.resolve();
    let done!: () => void;
    const finished = new Promise<void>((resolve) => (done = resolve));
    const mine = before.then(() => finished);
    inFlight.set(key, mine);
    await before;
    try {
      if (await server.store.existsObject(bucket, rest.join('/'))) {
        ctx.status = 412;
        ctx.body =
          '<?xml version="1.0" encoding="UTF-8"?><Error><Code>PreconditionFailed</Code>' +
          '<Message>At least one of the pre-conditions you specified did not hold</Message></Error>';
        return;
      }
      await next();
    } finally {
      done();
      if (inFlight.get(key) === mine) inFlight.delete(key);
    }
  });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    env: {
      AWS_ACCESS_KEY_ID: S3_KEY.id,
      AWS_SECRET_ACCESS_KEY: S3_KEY.secret,
      AWS_ENDPOINT_URL: endpoint,
      AWS_REGION: 'us-east-1',
    },
    async stop() {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
