import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { tempDir } from '../library/photo-fixtures.js';
import { lookbook } from './cli-process.js';
import { startS3Server, type TestS3Server } from './s3-server.js';

// A store that cannot be opened says which of the three usual causes it is and what to fix (the
// variable, the endpoint, the bucket), in one line: no stack trace, and no credential in the output.

let s3: TestS3Server;
let dir: Awaited<ReturnType<typeof tempDir>>;
before(async () => {
  s3 = await startS3Server(['photos']);
  dir = await tempDir('s3-errors');
});
after(async () => {
  await s3?.stop();
  await dir?.cleanup();
});

const SECRET = 'not-the-right-secret-5f3a9c';

function assertClear(output: string, mustName: RegExp[]): void {
  const lines = output.trim().split('\n');
  assert.equal(lines.length, 1, `one line, got:\n${output}`);
  for (const name of mustName) assert.match(output, name);
  assert.doesNotMatch(output, /\n\s+at |lance error|LanceError|\.rs:\d+/, 'no stack trace or native detail');
  assert.ok(!output.includes(SECRET), 'the secret is never printed');
  assert.ok(!output.includes('WRONGKEYID'), 'nor the key id');
}

test('wrong credentials name the variables to set', async () => {
  const run = await lookbook(join(dir.path, 'a'), ['--store', 's3://photos/lib', 'status'], {
    ...s3.env,
    AWS_ACCESS_KEY_ID: 'WRONGKEYID',
    AWS_SECRET_ACCESS_KEY: SECRET,
  }).done;
  assert.notEqual(run.code, 0);
  assertClear(run.output, [/AWS_ACCESS_KEY_ID/, /AWS_SECRET_ACCESS_KEY/, /photos/]);
});

test('an unreachable endpoint is named, with the variable that sets it', async () => {
  // A port nothing listens on: taken, then freed.
  const port = await new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const p = (probe.address() as { port: number }).port;
      probe.close(() => resolve(p));
    });
  });
  const started = Date.now();
  const run = await lookbook(join(dir.path, 'b'), ['--store', 's3://photos/lib', 'status'], {
    ...s3.env,
    AWS_ENDPOINT_URL: `http://127.0.0.1:${port}`,
    AWS_SECRET_ACCESS_KEY: SECRET,
  }).done;
  assert.notEqual(run.code, 0);
  assertClear(run.output, [new RegExp(`127\\.0\\.0\\.1:${port}`), /AWS_ENDPOINT_URL/]);
  assert.ok(Date.now() - started < 60_000, 'reported within a minute, not after minutes of retries');
});

test('a missing bucket is named', async () => {
  const run = await lookbook(join(dir.path, 'c'), ['--store', 's3://no-such-bucket/lib', 'status'], {
    ...s3.env,
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
  }).done;
  assert.notEqual(run.code, 0);
  assertClear(run.output, [/"no-such-bucket" does not exist/, /--store/]);
});
