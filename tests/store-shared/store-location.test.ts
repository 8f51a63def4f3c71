import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { isUserError } from '../../main/errors.js';
import { storeLocation } from '../../main/store/store-location.js';

// The store options LanceDB gets come from the standard AWS variables, read when the store is opened:
// the URI alone is what a person (or the settings file) names.

test('s3:// takes its credentials, endpoint and region from the AWS variables', () => {
  const loc = storeLocation('/data', 's3://photos/library', {
    AWS_ACCESS_KEY_ID: 'id',
    AWS_SECRET_ACCESS_KEY: 'secret',
    AWS_SESSION_TOKEN: 'token',
    AWS_ENDPOINT_URL: 'http://nas.local:9000',
  });
  assert.equal(loc.uri, 's3://photos/library');
  assert.equal(loc.shared, true);
  assert.equal(loc.storageOptions.aws_access_key_id, 'id');
  assert.equal(loc.storageOptions.aws_secret_access_key, 'secret');
  assert.equal(loc.storageOptions.aws_session_token, 'token');
  assert.equal(loc.storageOptions.aws_endpoint, 'http://nas.local:9000');
  // An S3-compatible server signs with a region too; plain HTTP must be allowed for an http:// one.
  assert.equal(loc.storageOptions.aws_region, 'us-east-1');
  assert.equal(loc.storageOptions.allow_http, 'true');
});

test('AWS itself: the region given is used, and HTTPS is kept', () => {
  const loc = storeLocation('/data', 's3://photos/library', { AWS_REGION: 'eu-west-3' });
  assert.equal(loc.storageOptions.aws_region, 'eu-west-3');
  assert.equal(loc.storageOptions.allow_http, undefined);
  assert.equal(loc.storageOptions.aws_endpoint, undefined);
});

test('an endpoint that is not an address is a clear error, not a crash in LanceDB', () => {
  assert.throws(
    () => storeLocation('/data', 's3://photos/x', { AWS_ENDPOINT_URL: 'nas.local:9000' }),
    (e) => isUserError(e) && /AWS_ENDPOINT_URL is not a server address/.test(e.message),
  );
});

test('folders and the default store need no options', () => {
  assert.deepEqual(storeLocation('/data'), { uri: join('/data', 'db'), storageOptions: {}, shared: false });
  const shared = storeLocation('/data', '/mnt/nas/lookbook', { AWS_ACCESS_KEY_ID: 'id' });
  assert.deepEqual(shared.storageOptions, {});
  assert.equal(shared.shared, true);
});
