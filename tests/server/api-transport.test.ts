// The API over HTTP: validated requests with readable errors, and progress events over Server-Sent
// Events while a real library indexes real photos.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { createCoreApi } from '../../main/api/core-api.js';
import type { CoreApi } from '../../main/api/dispatch.js';
import { validateRequest } from '../../main/api/validate.js';
import { METHOD_NAMES } from '../../main/api/types.js';
import type { ApiEvents } from '../../main/api/types.js';
import { startServer } from '../../main/server/http-server.js';
import type { RunningServer } from '../../main/server/http-server.js';

describe('request validation', () => {
  it('accepts well-formed requests and tidies them', () => {
    assert.deepEqual(
      validateRequest('search.query', { query: '  ', filters: { formats: ['.JPG'] }, sort: 'date-asc' }),
      {
        filters: { formats: ['jpg'] },
        sort: 'date-asc',
      },
    );
    assert.deepEqual(validateRequest('vocabularies.save', { name: 'Pets', labels: [' cat ', '', 'dog'] }), {
      name: 'Pets',
      labels: ['cat', 'dog'],
    });
  });

  it('refuses malformed requests with a sentence naming the field', () => {
    const cases: Array<[string, unknown, RegExp]> = [
      ['folders.add', {}, /“path” must be text/],
      ['folders.add', { path: '' }, /“path” must not be empty/],
      ['search.query', { limit: 5000 }, /“limit” must be a whole number from 1 to 1000/],
      ['search.query', { sort: 'random' }, /“sort” must be one of/],
      ['search.query', { filters: { from: 'last week' } }, /date like 2024-06-30/],
      ['search.query', { imageBase64: 'not base64!' }, /not base64/],
      ['search.query', { imageBase64: 'A'.repeat(23_000_000) }, /image is too large.*at most 16 MB/],
      ['tagging.autoTag', { vocabularyId: 'x', threshold: 2 }, /“threshold” must be a number from 0 to 1/],
      ['vocabularies.save', { name: 'x', labels: [] }, /at least one label/],
      ['training.start', { epochs: 0 }, /“epochs”/],
      ['library.status', [], /must be a JSON object/],
      ['library.delete', {}, /no “library.delete” request/],
    ];
    for (const [method, body, message] of cases) {
      assert.throws(() => validateRequest(method, body), message, `${method} ${JSON.stringify(body)}`);
    }
  });

  it('has a validator for every method', () => {
    for (const m of METHOD_NAMES) {
      try {
        validateRequest(m, {});
      } catch (e) {
        // An empty request may be incomplete, but the method itself must be known.
        assert.equal((e as { code?: string }).code, 'invalid-request', m);
      }
    }
  });
});

describe('API over HTTP with events', () => {
  let tmp: string;
  let api: CoreApi;
  let server: RunningServer;

  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'lookbook-api-'));
    await mkdir(join(tmp, 'photos'));
    for (let i = 0; i < 6; i++) {
      await sharp({
        create: { width: 64, height: 64, channels: 3, background: { r: 200, g: 20 + i * 10, b: 20 } },
      })
        .png()
        .toFile(join(tmp, 'photos', `p${i}.png`));
    }
    api = await createCoreApi({
      dataDir: join(tmp, 'data'),
      model: 'demo',
      watch: false,
      log: () => undefined,
    });
    server = await startServer({ api, port: 0 });
  });

  after(async () => {
    await server?.close();
    await api?.close();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  function post(
    method: string,
    body: unknown,
  ): Promise<{ status: number; json: { result?: unknown; error?: { message: string } } }> {
    return fetch(`${server.origin}/api/call/${method}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Lookbook-Token': server.token },
      body: JSON.stringify(body),
    }).then(async (r) => ({ status: r.status, json: (await r.json()) as never }));
  }

  it('streams indexing progress until done, then library changes', async () => {
    const events: Array<{ name: string; data: unknown }> = [];
    const stream = await new Promise<IncomingMessage>((resolve, reject) => {
      request(`${server.origin}/api/events?token=${encodeURIComponent(server.token)}`, resolve)
        .on('error', reject)
        .end();
    });
    assert.equal(stream.statusCode, 200);
    assert.match(String(stream.headers['content-type']), /text\/event-stream/);
    let buffer = '';
    const seen = new Promise<void>((resolve) => {
      stream.on('data', (c: Buffer) => {
        buffer += c.toString();
        let i;
        while ((i = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, i);
          buffer = buffer.slice(i + 2);
          const name = /^event: (.+)$/m.exec(block)?.[1];
          const data = /^data: (.+)$/m.exec(block)?.[1];
          if (name && data) events.push({ name, data: JSON.parse(data) });
          // Views refresh at most once a second during a run, so on a slow machine a change can come
          // before the run ends; the one that matters is the change after 'done'. The library's opening
          // run (no folders yet) may also end while the stream connects: its 'done' has nothing in it.
          const finished = events.some((e) => {
            const p = e.data as { phase: string; total: number };
            return e.name === 'indexingProgress' && p.phase === 'done' && p.total > 0;
          });
          if (name === 'libraryChanged' && finished) resolve();
        }
      });
    });
    const added = await post('folders.add', { path: join(tmp, 'photos') });
    assert.equal(added.status, 200);
    await seen;
    // A change whose count was read just before the run ended is followed by another within the second.
    await new Promise((r) => setTimeout(r, 1500));
    stream.destroy();
    const progress = events
      .filter((e) => e.name === 'indexingProgress')
      .map((e) => e.data as ApiEvents['indexingProgress']);
    assert.ok(progress.length > 0, 'indexing progress arrived');
    const last = progress.at(-1)!;
    assert.equal(last.phase, 'done');
    assert.equal(last.total, 6);
    assert.equal(last.done, 6);
    const changed = events.findLast((e) => e.name === 'libraryChanged')!.data as ApiEvents['libraryChanged'];
    assert.equal(changed.photoCount, 6);
  });

  it('answers searches and photo details through the same API', async () => {
    const search = await post('search.query', { query: 'red', limit: 3 });
    assert.equal(search.status, 200);
    const res = search.json.result as { total: number; items: Array<{ id: string; name: string }> };
    assert.ok(res.total >= 1 && res.items.length <= 3);
    const photo = await post('photos.get', { id: res.items[0]!.id });
    assert.equal(photo.status, 200);
    assert.equal((photo.json.result as { name: string }).name, res.items[0]!.name);
    const missing = await post('photos.get', { id: 'f'.repeat(64) });
    assert.equal(missing.status, 404);
    assert.match(missing.json.error!.message, /no longer in the library/);
  });

  it('switches the active model by re-opening the library, and keeps answering', async () => {
    const before = (await post('library.status', {})).json.result as { photoCount: number };
    const activated = await post('models.activate', { id: 'demo' });
    assert.equal(activated.status, 200);
    const models = activated.json.result as Array<{ id: string; active: boolean }>;
    assert.deepEqual(
      models.filter((m) => m.active).map((m) => m.id),
      ['demo'],
    );
    const after = (await post('library.status', {})).json.result as {
      photoCount: number;
      model: { id: string };
    };
    assert.equal(after.photoCount, before.photoCount);
    assert.equal(after.model.id, 'demo');
    const missing = await post('models.activate', { id: 'ViT-L-14__openai' });
    assert.equal(missing.status, 400);
    assert.match(missing.json.error!.message, /not downloaded yet/);
  });
});
