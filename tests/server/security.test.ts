// The web mode must not let another local user or a web page read the library: every request needs the
// per-launch token, a Host and Origin naming this server, and media only for files of the library.
// A real core (demo model, LanceDB in a temp dir, sharp photos) behind the real server.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { createCoreApi } from '../../main/api/core-api.js';
import type { CoreApi } from '../../main/api/dispatch.js';
import { resolveMedia } from '../../main/api/media-access.js';
import { startServer } from '../../main/server/http-server.js';
import type { RunningServer } from '../../main/server/http-server.js';
import type { PhotoSummary } from '../../main/api/types.js';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A raw HTTP request: the path is sent exactly as given (no URL normalisation), headers as given. */
function raw(
  server: RunningServer,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: server.port,
        method,
        path,
        headers: { Host: `127.0.0.1:${server.port}`, ...headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
      },
    );
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

const TOKEN = 'test-token-0123456789abcdef';
const SECRET = 'TOP-SECRET-NOT-IN-THE-LIBRARY';

describe('web mode security', () => {
  let tmp: string;
  let photos: string;
  let outside: string;
  let api: CoreApi;
  let server: RunningServer;
  let indexed: PhotoSummary[];

  const call = (method: string, body: unknown, headers: Record<string, string> = {}) =>
    raw(
      server,
      'POST',
      `/api/call/${method}`,
      { 'Content-Type': 'application/json', 'X-Lookbook-Token': TOKEN, ...headers },
      JSON.stringify(body),
    );

  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'lookbook-security-'));
    photos = join(tmp, 'photos');
    outside = join(tmp, 'outside');
    await mkdir(photos, { recursive: true });
    await mkdir(outside, { recursive: true });
    for (const [name, colour] of [
      ['red', { r: 220, g: 20, b: 30 }],
      ['blue', { r: 20, g: 40, b: 220 }],
    ] as const) {
      await sharp({ create: { width: 80, height: 60, channels: 3, background: colour } })
        .jpeg()
        .toFile(join(photos, `${name}.jpg`));
    }
    // Outside the library: a private photo and a text file, and a symlink from inside pointing at it.
    await sharp({ create: { width: 80, height: 60, channels: 3, background: { r: 20, g: 200, b: 40 } } })
      .jpeg()
      .toFile(join(outside, 'private.jpg'));
    await writeFile(join(outside, 'secret.txt'), SECRET);
    await symlink(join(outside, 'private.jpg'), join(photos, 'link-out.jpg'));

    api = await createCoreApi({
      dataDir: join(tmp, 'data'),
      model: 'demo',
      watch: false,
      log: () => undefined,
    });
    await writeFile(join(tmp, 'data', 'secret.txt'), SECRET);
    server = await startServer({ api, port: 0, token: TOKEN, log: () => undefined });
    await api.handlers['folders.add']({ path: photos });
    for (let i = 0; i < 200; i++) {
      const s = await api.handlers['library.status']({});
      if (s.indexing.phase === 'done' && s.photoCount >= 2) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    indexed = (await api.handlers['search.query']({ limit: 100 })).items;
    assert.ok(indexed.length >= 2, 'the library indexed the photos');
  });

  after(async () => {
    await server?.close();
    await api?.close();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('listens on 127.0.0.1 only', () => {
    assert.match(server.origin, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.ok(server.url.includes(`token=${TOKEN}`));
  });

  it('answers a request with the token', async () => {
    const r = await call('library.status', {});
    assert.equal(r.status, 200);
    assert.equal(JSON.parse(r.body.toString()).result.photoCount, indexed.length);
  });

  it('refuses API calls, events and media without the token or with a wrong one', async () => {
    const noToken = await raw(
      server,
      'POST',
      '/api/call/library.status',
      { 'Content-Type': 'application/json' },
      '{}',
    );
    assert.equal(noToken.status, 401);
    assert.match(JSON.parse(noToken.body.toString()).error.message, /secret link/);
    const wrong = await call('library.status', {}, { 'X-Lookbook-Token': `${TOKEN.slice(0, -1)}x` });
    assert.equal(wrong.status, 401);
    const events = await raw(server, 'GET', '/api/events');
    assert.equal(events.status, 401);
    const thumb = await raw(server, 'GET', `/media/thumb/${indexed[0]!.contentId}`);
    assert.equal(thumb.status, 401);
    const photo = await raw(server, 'GET', `/media/photo/${indexed[0]!.id}?token=nope`);
    assert.equal(photo.status, 401);
  });

  it('refuses requests from another web page (foreign Origin, cross-site fetch, form posts)', async () => {
    for (const origin of ['http://evil.example', 'null', `http://127.0.0.1:${server.port + 1}`]) {
      const r = await call('library.status', {}, { Origin: origin });
      assert.equal(r.status, 403, origin);
    }
    const crossSite = await call('library.status', {}, { 'Sec-Fetch-Site': 'cross-site' });
    assert.equal(crossSite.status, 403);
    // A cross-site <form> can only send text/plain or form encodings: refused even with the token.
    const form = await raw(
      server,
      'POST',
      '/api/call/folders.add',
      { 'Content-Type': 'text/plain', 'X-Lookbook-Token': TOKEN },
      '{"path":"/"}',
    );
    assert.equal(form.status, 415);
    const same = await call('library.status', {}, { Origin: server.origin });
    assert.equal(same.status, 200);
  });

  it('refuses a foreign Host header (DNS rebinding)', async () => {
    for (const host of [
      'evil.example',
      `evil.example:${server.port}`,
      `127.0.0.1.nip.io:${server.port}`,
      `127.0.0.1:${server.port + 1}`,
    ]) {
      const r = await raw(
        server,
        'POST',
        '/api/call/library.status',
        { Host: host, 'Content-Type': 'application/json', 'X-Lookbook-Token': TOKEN },
        '{}',
      );
      assert.equal(r.status, 421, host);
    }
    const thumb = await raw(server, 'GET', `/media/thumb/${indexed[0]!.contentId}?token=${TOKEN}`, {
      Host: 'evil.example',
    });
    assert.equal(thumb.status, 421);
    const local = await call('library.status', {}, { Host: `localhost:${server.port}` });
    assert.equal(local.status, 200);
  });

  it('serves thumbnails and photos that belong to the library', async () => {
    const red = indexed.find((p) => p.name === 'red.jpg')!;
    const thumb = await raw(server, 'GET', `/media/thumb/${red.contentId}?token=${TOKEN}`);
    assert.equal(thumb.status, 200);
    assert.match(String(thumb.headers['content-type']), /^image\//);
    const meta = await sharp(thumb.body).metadata();
    assert.ok((meta.width ?? 0) > 0);
    const photo = await raw(server, 'GET', `/media/photo/${red.id}`, { 'X-Lookbook-Token': TOKEN });
    assert.equal(photo.status, 200);
    assert.deepEqual(photo.body, await readFile(join(photos, 'red.jpg')));
  });

  it('refuses path traversal, absolute paths and unknown ids', async () => {
    const attempts = [
      '/media/photo/../../../../etc/passwd',
      '/media/photo/..%2F..%2F..%2F..%2Fetc%2Fpasswd',
      '/media/photo/%2e%2e%2f%2e%2e%2fsecret.txt',
      '/media/thumb/..%2F..%2Fsecret.txt',
      '/media/thumb/../secret.txt',
      '/media/photo/%2Fetc%2Fpasswd',
      '/media/photo//etc/passwd',
      `/media/photo/${encodeURIComponent(join(outside, 'secret.txt'))}`,
      `/media/photo/${encodeURIComponent(join(photos, 'red.jpg'))}`,
      '/media/photo/ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
      '/media/thumb/ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
      '/media/other/x',
    ];
    for (const path of attempts) {
      const r = await raw(server, 'GET', path, { 'X-Lookbook-Token': TOKEN });
      assert.ok(r.status === 400 || r.status === 404, `${path}: ${r.status}`);
      assert.ok(!r.body.toString().includes(SECRET), path);
      assert.ok(!r.body.toString().includes('root:'), path);
    }
    // The static file server (no token needed for the interface) does not escape its folder either.
    for (const path of ['/../secret.txt', '/..%2F..%2Fsecret.txt', '/%2e%2e/%2e%2e/etc/passwd']) {
      const r = await raw(server, 'GET', path);
      assert.equal(r.status, 400, path);
      assert.ok(!r.body.toString().includes(SECRET) && !r.body.toString().includes('root:'), path);
    }
  });

  it('refuses a photo whose file is a symlink pointing out of the library', async () => {
    // Whether or not the indexer follows the link, the media route must not serve the outside file.
    const linked = indexed.find((p) => p.path.endsWith('link-out.jpg'));
    const privateBytes = await readFile(join(outside, 'private.jpg'));
    for (const p of indexed) {
      const r = await raw(server, 'GET', `/media/photo/${p.id}`, { 'X-Lookbook-Token': TOKEN });
      if (r.status === 200) assert.notDeepEqual(r.body, privateBytes, p.path);
    }
    if (linked) {
      const r = await raw(server, 'GET', `/media/photo/${linked.id}`, { 'X-Lookbook-Token': TOKEN });
      assert.equal(r.status, 404);
    }
    // The same rule without depending on whether the scanner follows links: a library that reports the
    // link as a photo's file still gets nothing from outside its folders.
    const red = indexed.find((p) => p.name === 'red.jpg')!;
    const reportsLink = { ...api.media, photoPath: async () => join(photos, 'link-out.jpg') };
    assert.equal(await resolveMedia(reportsLink, `/photo/${red.id}`), null);
    const reportsOutside = { ...api.media, photoPath: async () => join(outside, 'private.jpg') };
    assert.equal(await resolveMedia(reportsOutside, `/photo/${red.id}`), null);
    assert.ok(await resolveMedia(api.media, `/photo/${red.id}`), 'the real file is served');
  });

  it('explains a bad request in words and keeps working', async () => {
    const r = await call('folders.add', { path: 42 });
    assert.equal(r.status, 400);
    assert.match(JSON.parse(r.body.toString()).error.message, /“path” must be text/);
    const unknown = await call('library.format', {});
    assert.equal(unknown.status, 404);
    const notJson = await raw(
      server,
      'POST',
      '/api/call/library.status',
      { 'Content-Type': 'application/json', 'X-Lookbook-Token': TOKEN },
      '{',
    );
    assert.equal(notJson.status, 400);
    assert.equal((await call('library.status', {})).status, 200);
  });
});
