// The web API's request bodies (main/server/request-body.ts): a body over its cap is answered 413 with
// a JSON error naming the limit, early (before the client has sent it all) and as an answer the client
// can read, not a connection reset; calls within the caps still work; the budget lets large bodies in
// one at a time. The server's memory under concurrent large bodies is measured in
// request-body-memory.test.ts, in a process of its own.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { connect } from 'node:net';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { createCoreApi } from '../../main/api/core-api.js';
import type { CoreApi } from '../../main/api/dispatch.js';
import { MAX_SEARCH_IMAGE_BYTES } from '../../main/api/validate.js';
import { startServer } from '../../main/server/http-server.js';
import type { RunningServer } from '../../main/server/http-server.js';
import {
  BodyBudget,
  JSON_LIMIT,
  MAX_WAITING,
  SEARCH_LIMIT,
  VOCABULARY_LIMIT,
} from '../../main/server/request-body.js';

const TOKEN = 'test-token-0123456789abcdef';
const MiB = 1024 * 1024;

interface Sent {
  status: number;
  body: { result?: unknown; error?: { message: string; code: string; limitBytes?: number } };
  /** Body bytes the client had handed to the socket when the answer's headers arrived. */
  sentBeforeAnswer: number;
}

/**
 * POSTs up to `total` bytes to an API method with Node's http client, produced lazily in 1 MiB pieces
 * ('{"query":"aaaa…': valid JSON up to where it stops), with a Content-Length or chunked. Sending stops
 * once the answer arrives, as Node's client and browsers do.
 */
function sendLarge(
  server: RunningServer,
  method: string,
  total: number,
  { chunked = false } = {},
): Promise<Sent> {
  return new Promise((resolve, reject) => {
    let sent = 0;
    let answered: Sent | null = null;
    let sentBeforeAnswer = 0;
    const headers: Record<string, string | number> = {
      Host: `127.0.0.1:${server.port}`,
      'Content-Type': 'application/json',
      'X-Lookbook-Token': TOKEN,
    };
    if (!chunked) headers['Content-Length'] = total;
    const req = request(
      { host: '127.0.0.1', port: server.port, method: 'POST', path: `/api/call/${method}`, headers },
      (res) => {
        sentBeforeAnswer = sent;
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          answered = {
            status: res.statusCode ?? 0,
            body: JSON.parse(Buffer.concat(chunks).toString()) as Sent['body'],
            sentBeforeAnswer,
          };
          req.destroy();
          resolve(answered);
        });
      },
    );
    req.on('error', (e: NodeJS.ErrnoException) => {
      // An error before the answer (a reset) fails the test; after it, we hung up ourselves.
      if (!answered) reject(e);
    });
    const piece = Buffer.alloc(MiB, 'a');
    piece.write('{"query":"');
    const write = (): void => {
      while (sent < total) {
        if (answered) return;
        const n = Math.min(piece.length, total - sent);
        sent += n;
        if (!req.write(n === piece.length ? piece : piece.subarray(0, n))) {
          req.once('drain', write);
          return;
        }
      }
      req.end();
    };
    write();
  });
}

/**
 * Sends a whole `total`-byte body on a plain socket whatever the server answers, and collects the
 * answer until the server has read everything and answered (or the connection fails).
 */
function sendEverything(
  server: RunningServer,
  method: string,
  total: number,
  chunked: boolean,
): Promise<{ answer: string; sent: number; error?: string }> {
  return new Promise((resolve) => {
    const socket = connect(server.port, '127.0.0.1');
    let answer = '';
    let sent = 0;
    let error: string | undefined;
    socket.on('data', (c: Buffer) => (answer += c.toString()));
    socket.on('error', (e: NodeJS.ErrnoException) => (error = e.code ?? e.message));
    socket.on('close', () => resolve({ answer, sent, ...(error ? { error } : {}) }));
    socket.write(
      `POST /api/call/${method} HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\n` +
        `Content-Type: application/json\r\nX-Lookbook-Token: ${TOKEN}\r\n` +
        (chunked ? 'Transfer-Encoding: chunked\r\n\r\n' : `Content-Length: ${total}\r\n\r\n`),
    );
    const piece = Buffer.alloc(MiB, 'a');
    const frame = (b: Buffer) =>
      chunked ? Buffer.concat([Buffer.from(`${b.length.toString(16)}\r\n`), b, Buffer.from('\r\n')]) : b;
    const write = (): void => {
      while (sent < total) {
        const n = Math.min(piece.length, total - sent);
        sent += n;
        if (!socket.write(frame(piece.subarray(0, n)))) {
          socket.once('drain', write);
          return;
        }
      }
      if (chunked) socket.write('0\r\n\r\n');
      // All sent: give the answer a moment, then hang up as a client that is done would.
      setTimeout(() => socket.end(), 200);
    };
    write();
  });
}

/** An ordinary API call with a JSON body. */
function call(server: RunningServer, method: string, body: unknown): Promise<Sent> {
  return new Promise((resolve, reject) => {
    const data = Buffer.from(JSON.stringify(body));
    const req = request(
      {
        host: '127.0.0.1',
        port: server.port,
        method: 'POST',
        path: `/api/call/${method}`,
        headers: {
          Host: `127.0.0.1:${server.port}`,
          'Content-Type': 'application/json',
          'Content-Length': data.length,
          'X-Lookbook-Token': TOKEN,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: JSON.parse(Buffer.concat(chunks).toString()) as Sent['body'],
            sentBeforeAnswer: data.length,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

describe('web API request bodies', () => {
  let tmp: string;
  let api: CoreApi;
  let server: RunningServer;

  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'lookbook-bodies-'));
    const photos = join(tmp, 'photos');
    await mkdir(photos, { recursive: true });
    for (const [name, colour] of [
      ['red', { r: 220, g: 20, b: 30 }],
      ['blue', { r: 20, g: 40, b: 220 }],
    ] as const) {
      await sharp({ create: { width: 80, height: 60, channels: 3, background: colour } })
        .jpeg()
        .toFile(join(photos, `${name}.jpg`));
    }
    api = await createCoreApi({
      dataDir: join(tmp, 'data'),
      model: 'demo',
      watch: false,
      log: () => undefined,
    });
    server = await startServer({ api, port: 0, token: TOKEN, log: () => undefined });
    await api.handlers['folders.add']({ path: photos });
    for (let i = 0; i < 200; i++) {
      const s = await api.handlers['library.status']({});
      if (s.indexing.phase === 'done' && s.photoCount >= 2) break;
      await new Promise((r) => setTimeout(r, 100));
    }
  });

  after(async () => {
    await server?.close();
    await api?.close();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('caps each kind of call at what it needs', () => {
    assert.equal(JSON_LIMIT, 1 * MiB);
    assert.equal(VOCABULARY_LIMIT, 4 * MiB);
    // A search by image: the largest image in base64, and room for the rest of the request.
    assert.ok(SEARCH_LIMIT >= (MAX_SEARCH_IMAGE_BYTES * 4) / 3 + 1000);
    assert.ok(SEARCH_LIMIT < 32 * MiB, 'far below the 80 MB every call could send before');
  });

  it('answers a 100 MB body with a Content-Length 413 at once, naming the limit', async () => {
    const r = await sendLarge(server, 'search.query', 100 * MiB);
    assert.equal(r.status, 413);
    assert.equal(r.body.error?.code, 'too-large');
    assert.equal(r.body.error?.limitBytes, SEARCH_LIMIT);
    assert.match(r.body.error?.message ?? '', /too large.*image of at most 16 MB/);
    // Refused from the Content-Length: answered long before the client had sent it all.
    assert.ok(r.sentBeforeAnswer < 50 * MiB, `answered after ${r.sentBeforeAnswer} bytes`);
  });

  it('answers a 100 MB chunked body 413 once it passes the cap', async () => {
    const r = await sendLarge(server, 'search.query', 100 * MiB, { chunked: true });
    assert.equal(r.status, 413);
    assert.equal(r.body.error?.limitBytes, SEARCH_LIMIT);
    assert.ok(r.sentBeforeAnswer < 50 * MiB, `answered after ${r.sentBeforeAnswer} bytes`);
  });

  it('lets a client that sends everything anyway read the 413, with no reset', async () => {
    // Node's http client stops uploading once an answer arrives; a plain socket does not, like a
    // careless client. The server must read and drop the rest rather than close on unread data.
    for (const chunked of [false, true]) {
      const r = await sendEverything(server, 'library.status', 100 * MiB, chunked);
      assert.match(r.answer, /^HTTP\/1\.1 413 /, `chunked: ${chunked}`);
      assert.match(r.answer, /at most 1 MB/);
      assert.equal(r.error, undefined, `chunked: ${chunked}`);
      assert.equal(r.sent, 100 * MiB);
    }
    // The server is still there for the next call.
    assert.equal((await call(server, 'library.status', {})).status, 200);
  });

  it('caps ordinary calls at 1 MB and vocabularies at 4 MB', async () => {
    const big = await sendLarge(server, 'folders.add', 2 * MiB);
    assert.equal(big.status, 413);
    assert.equal(big.body.error?.limitBytes, JSON_LIMIT);
    const vocab = await sendLarge(server, 'vocabularies.import', 5 * MiB, { chunked: true });
    assert.equal(vocab.status, 413);
    assert.equal(vocab.body.error?.limitBytes, VOCABULARY_LIMIT);
  });

  it('still answers legitimate calls: a search, a search by a small image, a large vocabulary', async () => {
    const text = await call(server, 'search.query', { query: 'red' });
    assert.equal(text.status, 200);
    const red = await sharp({
      create: { width: 64, height: 64, channels: 3, background: { r: 230, g: 10, b: 20 } },
    })
      .jpeg()
      .toBuffer();
    const byImage = await call(server, 'search.query', { imageBase64: red.toString('base64') });
    assert.equal(byImage.status, 200, JSON.stringify(byImage.body));
    const items = (byImage.body.result as { items: Array<{ name: string }> }).items;
    assert.equal(items[0]?.name, 'red.jpg');
    // 3,000 labels in Japanese (a label is at most 200 characters): 1.4 MB of UTF-8, over the
    // ordinary cap, well within a vocabulary's.
    const labels = Array.from({ length: 3_000 }, (_, i) => `ねこ ${i} ${'猫'.repeat(150)}`);
    const vocab = await call(server, 'vocabularies.import', { name: 'Large', text: labels.join('\n') });
    assert.equal(vocab.status, 200, JSON.stringify(vocab.body).slice(0, 300));
  });
});

describe('the body budget', () => {
  const never = new Promise<void>(() => undefined);

  it('grants in order of arrival, as room is given back', async () => {
    const budget = new BodyBudget(10);
    const order: string[] = [];
    const first = await budget.reserve(8, never);
    assert.ok(first);
    const second = budget.reserve(8, never).then((r) => (order.push('second'), r));
    const third = budget.reserve(1, never).then((r) => (order.push('third'), r));
    await new Promise((r) => setImmediate(r));
    // The small third call fits, but waits behind the second rather than overtaking it.
    assert.deepEqual(order, []);
    first();
    (await second)!();
    (await third)!();
    assert.deepEqual(order, ['second', 'third']);
  });

  it('drops a waiter whose client left, and refuses beyond MAX_WAITING', async () => {
    const budget = new BodyBudget(10);
    const held = await budget.reserve(10, never);
    let leave!: () => void;
    const left = new Promise<void>((r) => (leave = r));
    const gone = budget.reserve(5, left);
    leave();
    assert.equal(await gone, null);
    const waiting = Array.from({ length: MAX_WAITING }, () => budget.reserve(1, never));
    assert.equal(await budget.reserve(1, never), null, 'one too many waits');
    held!();
    for (const w of waiting) (await w)!();
  });
});
