// Pulling a model from a Hugging Face-style server on 127.0.0.1 that serves the clip-tiny-a fixture the
// way huggingface.co does: small files answered directly (ETag = git blob id), ONNX files redirected
// to a "CDN" with their SHA-256 and size in X-Linked-Etag/X-Linked-Size on the 302. Knobs cut a transfer
// midway, corrupt a file, or make one missing.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { promises as fsp, readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import { createClipEngine } from '../../main/engine/clip-engine.js';
import { isUserError } from '../../main/errors.js';
import { parseCatalogue, parseCatalogueEntry, type CatalogueEntry } from '../../main/models/catalogue.js';
import { encodeOnnxModel, readOnnxModel } from '../../main/models/onnx-graph.js';
import { quantizeInt8 } from '../../main/models/quantize-graph.js';
import { downloadTempDir, pullModel, sha256FromEtag, type PullProgress } from '../../main/models/download.js';
import { getInstalledModel, listInstalledModels } from '../../main/models/installed-models.js';
import { cosine } from '../engine/fixtures.js';

const FIXTURE = resolve('../shared/fixtures/clip-tiny-a');
const REPO = 'test-org/clip-tiny-a';
const REVISION = 'main';
const FILES = [
  'config.json',
  'textual/model.onnx',
  'textual/tokenizer.json',
  'textual/tokenizer_config.json',
  'visual/model.onnx',
  'visual/preprocess_cfg.json',
];
const LFS = new Set(['textual/model.onnx', 'visual/model.onnx']);

interface Served {
  body: Buffer;
  sha256: string;
}

interface RequestLog {
  url: string;
  range?: string;
  status: number;
  bytesSent: number;
}

/** A small Hugging Face look-alike. */
class HubServer {
  readonly files = new Map<string, Served>();
  readonly log: RequestLog[] = [];
  /** file → bytes after which the next transfer of it is cut (once). */
  readonly cutAfter = new Map<string, number>();
  readonly corrupt = new Set<string>();
  readonly missing = new Set<string>();
  private server?: http.Server;
  endpoint = '';

  constructor() {
    for (const f of FILES) {
      const body = readFileSync(join(FIXTURE, 'immich', f));
      this.files.set(f, { body, sha256: createHash('sha256').update(body).digest('hex') });
    }
  }

  reset(): void {
    this.log.length = 0;
    this.cutAfter.clear();
    this.corrupt.clear();
    this.missing.clear();
  }

  bytesServed(pathSuffix: string): number {
    return this.log.filter((r) => r.url.endsWith(pathSuffix)).reduce((s, r) => s + r.bytesSent, 0);
  }

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => this.handle(req, res));
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.endpoint = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => this.server!.close(() => r()));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = decodeURIComponent(req.url ?? '');
    const entry: RequestLog = { url, status: 0, bytesSent: 0 };
    if (req.headers.range) entry.range = req.headers.range;
    this.log.push(entry);
    const resolvePrefix = `/${REPO}/resolve/${REVISION}/`;
    if (url.startsWith(resolvePrefix)) {
      const file = url.slice(resolvePrefix.length);
      const served = this.files.get(file);
      if (!served || this.missing.has(file)) {
        entry.status = 404;
        res.writeHead(404, { 'content-type': 'text/plain' }).end('Entry not found');
        return;
      }
      if (LFS.has(file)) {
        entry.status = 302;
        res
          .writeHead(302, {
            location: `/cdn/${served.sha256}?file=${encodeURIComponent(file)}`,
            'x-linked-etag': `"${served.sha256}"`,
            'x-linked-size': String(served.body.length),
            etag: `"${createHash('sha1').update(file).digest('hex')}"`,
          })
          .end();
        return;
      }
      // Small files: served directly, with a git-blob-like (sha1) ETag that must not be taken for a sha256.
      this.send(req, res, entry, file, served, `"${createHash('sha1').update(served.body).digest('hex')}"`);
      return;
    }
    if (url.startsWith('/cdn/')) {
      const file = new URL(url, 'http://x').searchParams.get('file') ?? '';
      const served = this.files.get(file);
      if (!served) {
        entry.status = 404;
        res.writeHead(404).end();
        return;
      }
      this.send(req, res, entry, file, served, `"${served.sha256}"`);
      return;
    }
    entry.status = 404;
    res.writeHead(404).end();
  }

  private send(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    entry: RequestLog,
    file: string,
    served: Served,
    etag: string,
  ): void {
    let body = served.body;
    if (this.corrupt.has(file)) {
      body = Buffer.from(body);
      body[Math.floor(body.length / 2)]! ^= 0xff;
    }
    let start = 0;
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    if (m) {
      start = Number(m[1]);
      if (start >= body.length) {
        entry.status = 416;
        res.writeHead(416, { 'content-range': `bytes */${body.length}` }).end();
        return;
      }
    }
    const chunk = body.subarray(start);
    const headers: http.OutgoingHttpHeaders = {
      'content-length': String(chunk.length),
      'accept-ranges': 'bytes',
      etag,
      'content-type': 'application/octet-stream',
    };
    if (m) headers['content-range'] = `bytes ${start}-${body.length - 1}/${body.length}`;
    entry.status = m ? 206 : 200;
    res.writeHead(entry.status, headers);
    const cut = this.cutAfter.get(file);
    if (cut !== undefined) {
      this.cutAfter.delete(file);
      const part = chunk.subarray(0, cut);
      entry.bytesSent = part.length;
      res.write(part, () => {
        // Let the bytes leave before the connection drops, as a real network failure would.
        setTimeout(() => res.socket?.destroy(), 50);
      });
      return;
    }
    entry.bytesSent = chunk.length;
    res.end(chunk);
  }
}

function testEntry(overrides: Partial<CatalogueEntry> = {}): CatalogueEntry {
  // A test-only catalogue entry pointing at the fixture (never shipped in models/catalogue.json).
  return parseCatalogueEntry({
    id: 'clip-tiny-a',
    name: 'clip-tiny-a (test fixture)',
    description: 'random-weight tiny CLIP',
    repo: REPO,
    revision: REVISION,
    layout: 'immich',
    embedDim: 64,
    languages: ['en'],
    licence: 'test',
    speed: 'fast',
    files: FILES.map((path) => ({ path, size: statSizeSync(join(FIXTURE, 'immich', path)) })),
    ...overrides,
  });
}

function statSizeSync(p: string): number {
  return readFileSync(p).length;
}

async function listModelsDir(dataDir: string): Promise<string[]> {
  try {
    return (await fsp.readdir(join(dataDir, 'models'))).sort();
  } catch {
    return [];
  }
}

describe('models pull', () => {
  const hub = new HubServer();
  let dataDir: string;
  const savedEnv = { ...process.env };

  before(async () => {
    await hub.start();
    process.env.HF_ENDPOINT = hub.endpoint;
    // A proxy in the developer's environment must not capture requests to the local server.
    process.env.NO_PROXY = '127.0.0.1,localhost';
    delete process.env.HF_TOKEN;
  });
  after(async () => {
    process.env = savedEnv;
    await hub.stop();
  });
  beforeEach(async () => {
    hub.reset();
    dataDir = await fsp.mkdtemp(join(tmpdir(), 'lookbook-pull-'));
  });

  test('a pull installs a model that embeds the reference texts like PyTorch did', async (t) => {
    t.after(() => fsp.rm(dataDir, { recursive: true, force: true }));
    const events: PullProgress[] = [];
    const result = await pullModel({ dataDir, entry: testEntry(), onProgress: (p) => events.push(p) });
    assert.equal(result.dir, join(dataDir, 'models', 'clip-tiny-a'));
    assert.deepEqual(await listModelsDir(dataDir), ['clip-tiny-a'], 'only the model folder, no temp folder');
    for (const f of FILES) {
      assert.deepEqual(await fsp.readFile(join(result.dir, f)), hub.files.get(f)!.body, f);
    }
    // The LFS files went through the redirect, as on huggingface.co.
    assert.ok(hub.log.some((r) => r.url.startsWith('/cdn/') && r.status === 200));

    const last = events.at(-1)!;
    assert.equal(last.phase, 'done');
    assert.equal(last.bytes, last.total);
    const downloads = events.filter((e) => e.phase === 'download');
    assert.ok(downloads.length > 0);
    assert.ok(
      downloads.every((e, i) => i === 0 || e.bytes >= downloads[i - 1]!.bytes),
      'bytes never go back',
    );

    const installed = await getInstalledModel(dataDir, 'clip-tiny-a');
    assert.equal(installed?.layout, 'immich');
    assert.equal(installed?.manifest?.source.type, 'catalogue');

    const reference = JSON.parse(await fsp.readFile(join(FIXTURE, 'reference.json'), 'utf8')) as {
      texts: string[];
      immich_text_embedding: number[][];
    };
    const engine = await createClipEngine({ model: result.dir, device: 'cpu', threads: 1 });
    try {
      const got = await engine.embedTexts(reference.texts);
      reference.immich_text_embedding.forEach((want, i) => {
        const c = cosine(got[i]!, want);
        assert.ok(c >= 0.9999, `text ${i} (${reference.texts[i]}): cosine ${c}`);
      });
    } finally {
      await engine.close();
    }
  });

  test('a published int8 variant is fetched from its own files and installed under the usual names', async (t) => {
    t.after(() => fsp.rm(dataDir, { recursive: true, force: true }));
    // The repository publishes an int8 vision tower beside the fp32 one, as transformers.js repositories do.
    const int8 = await readOnnxModel(join(FIXTURE, 'immich', 'visual/model.onnx'));
    quantizeInt8(int8);
    const body = Buffer.from(encodeOnnxModel(int8));
    hub.files.set('visual/model_quantized.onnx', {
      body,
      sha256: createHash('sha256').update(body).digest('hex'),
    });
    t.after(() => hub.files.delete('visual/model_quantized.onnx'));
    const base = testEntry();
    const [, variant] = parseCatalogue({
      models: [
        {
          ...base,
          variants: [
            {
              precision: 'int8',
              files: [{ path: 'visual/model.onnx', from: 'visual/model_quantized.onnx', size: body.length }],
            },
          ],
        },
      ],
    });
    assert.equal(variant?.id, 'clip-tiny-a-int8');
    assert.deepEqual(variant.variantOf, { id: 'clip-tiny-a', precision: 'int8' });
    const result = await pullModel({ dataDir, entry: variant });
    assert.equal(result.dir, join(dataDir, 'models', 'clip-tiny-a-int8'));
    assert.deepEqual(await fsp.readFile(join(result.dir, 'visual/model.onnx')), body);
    assert.ok(hub.log.some((r) => r.url.includes('visual/model_quantized.onnx')));
    assert.ok(!hub.log.some((r) => r.url.endsWith('visual/model.onnx')), 'the fp32 tower is not fetched');
  });

  test('a cut transfer resumes with a Range request instead of starting over', async (t) => {
    t.after(() => fsp.rm(dataDir, { recursive: true, force: true }));
    const file = 'textual/model.onnx';
    const size = hub.files.get(file)!.body.length;
    const cutAt = 4_000_000;
    hub.cutAfter.set(file, cutAt);

    // First pull, no retries: it stops with a clear message and keeps what it has.
    await assert.rejects(
      pullModel({ dataDir, entry: testEntry(), retries: 0 }),
      (e: unknown) => isUserError(e) && /interrupted/.test(e.message) && /resume/.test(e.message),
    );
    const part = join(downloadTempDir(dataDir, 'clip-tiny-a'), `${file}.part`);
    const kept = (await fsp.stat(part)).size;
    assert.ok(kept > 0 && kept <= cutAt, `kept ${kept} bytes`);
    assert.equal(await getInstalledModel(dataDir, 'clip-tiny-a'), undefined, 'nothing installed yet');

    // Second pull: asks only for the rest.
    await pullModel({ dataDir, entry: testEntry() });
    const ranged = hub.log.filter((r) => r.url.includes(file) || r.url.includes(hub.files.get(file)!.sha256));
    assert.ok(
      ranged.some((r) => r.range === `bytes=${kept}-` && r.status === 206),
      `a Range request from ${kept}: ${JSON.stringify(ranged)}`,
    );
    const served = ranged.reduce((s, r) => s + r.bytesSent, 0);
    assert.ok(served < 2 * size, `served ${served} bytes for a ${size}-byte file`);
    assert.deepEqual(
      await fsp.readFile(join(dataDir, 'models', 'clip-tiny-a', file)),
      hub.files.get(file)!.body,
    );
    assert.deepEqual(await listModelsDir(dataDir), ['clip-tiny-a']);
  });

  test('a dropped connection is retried within the same pull, from where it stopped', async (t) => {
    t.after(() => fsp.rm(dataDir, { recursive: true, force: true }));
    const file = 'visual/model.onnx';
    hub.cutAfter.set(file, 500_000);
    const result = await pullModel({ dataDir, entry: testEntry(), retries: 2, retryDelayMs: 10 });
    const sha = hub.files.get(file)!.sha256;
    const cdn = hub.log.filter((r) => r.url.startsWith(`/cdn/${sha}`));
    assert.equal(cdn.length, 2);
    assert.match(cdn[1]!.range ?? '', /^bytes=\d+-$/);
    assert.deepEqual(await fsp.readFile(join(result.dir, file)), hub.files.get(file)!.body);
  });

  test('a corrupted file is rejected and nothing half-installed remains', async (t) => {
    t.after(() => fsp.rm(dataDir, { recursive: true, force: true }));
    hub.corrupt.add('visual/model.onnx');
    const sha = hub.files.get('visual/model.onnx')!.sha256;
    await assert.rejects(pullModel({ dataDir, entry: testEntry() }), (e: unknown) => {
      assert.ok(isUserError(e));
      assert.match(
        e.message,
        /visual\/model\.onnx is corrupt: expected sha256 [0-9a-f]{64}, got [0-9a-f]{64}; deleted/,
      );
      assert.ok(e.message.includes(sha));
      return true;
    });
    assert.deepEqual(await listModelsDir(dataDir), [], 'no model folder and no temp folder');
    assert.deepEqual(await listInstalledModels(dataDir), []);
  });

  test('a pinned sha256 in the catalogue is checked even when the server gives none', async (t) => {
    t.after(() => fsp.rm(dataDir, { recursive: true, force: true }));
    const entry = testEntry();
    const cfg = entry.files.find((f) => f.path === 'config.json')!;
    cfg.sha256 = '0'.repeat(64);
    await assert.rejects(pullModel({ dataDir, entry }), /config\.json is corrupt: expected sha256 0{64}/);
    assert.deepEqual(await listModelsDir(dataDir), []);
  });

  test('a missing file gives a clear 404 error', async (t) => {
    t.after(() => fsp.rm(dataDir, { recursive: true, force: true }));
    hub.missing.add('visual/preprocess_cfg.json');
    await assert.rejects(
      pullModel({ dataDir, entry: testEntry() }),
      (e: unknown) =>
        isUserError(e) &&
        e.message.includes('visual/preprocess_cfg.json not found at') &&
        e.message.includes(`${hub.endpoint}/${REPO}/resolve/${REVISION}/visual/preprocess_cfg.json`),
    );
    assert.deepEqual(await listModelsDir(dataDir), [], 'no model folder and no temp folder');
  });

  test('an unreachable server says so', async (t) => {
    t.after(() => fsp.rm(dataDir, { recursive: true, force: true }));
    // A port that was just free: nothing listens there.
    const probe = http.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    await assert.rejects(
      pullModel({ dataDir, entry: testEntry(), endpoint: `http://127.0.0.1:${port}` }),
      (e: unknown) => isUserError(e) && e.message.startsWith(`could not reach 127.0.0.1:${port}`),
    );
    assert.deepEqual(await listModelsDir(dataDir), [], 'no empty temp folder left behind');
  });

  test('an abort stops the pull and keeps the partial file for later', async (t) => {
    t.after(() => fsp.rm(dataDir, { recursive: true, force: true }));
    const controller = new AbortController();
    await assert.rejects(
      pullModel({
        dataDir,
        entry: testEntry(),
        signal: controller.signal,
        onProgress: (p) => {
          if (p.file === 'textual/model.onnx' && p.bytes > 2_000_000) controller.abort();
        },
      }),
      (e: unknown) => isUserError(e) && e.code === 'cancelled',
    );
    assert.equal(await getInstalledModel(dataDir, 'clip-tiny-a'), undefined);
    assert.deepEqual(await listModelsDir(dataDir), ['.tmp-clip-tiny-a-download']);
  });

  test('with HTTP_PROXY set, downloads go through the proxy', async (t) => {
    t.after(() => fsp.rm(dataDir, { recursive: true, force: true }));
    const hubPort = Number(new URL(hub.endpoint).port);
    const seen: string[] = [];
    // A forward proxy that understands both plain proxied requests and CONNECT tunnels, and sends
    // everything to the local hub whatever host was asked for ('hub.invalid' cannot resolve).
    const proxy = http.createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      const u = new URL(req.url ?? '/');
      const up = http.request(
        {
          host: '127.0.0.1',
          port: hubPort,
          path: u.pathname + u.search,
          method: req.method,
          headers: req.headers,
        },
        (r) => {
          res.writeHead(r.statusCode ?? 502, r.headers);
          r.pipe(res);
        },
      );
      req.pipe(up);
    });
    proxy.on('connect', (req, socket, head) => {
      seen.push(`CONNECT ${req.url}`);
      const up = net.connect(hubPort, '127.0.0.1', () => {
        socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        up.write(head);
        up.pipe(socket);
        socket.pipe(up);
      });
      up.on('error', () => socket.destroy());
      socket.on('error', () => up.destroy());
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    t.after(() => {
      proxy.closeAllConnections();
      proxy.close();
    });
    const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    const saved = { HTTP_PROXY: process.env.HTTP_PROXY, HTTPS_PROXY: process.env.HTTPS_PROXY };
    process.env.HTTP_PROXY = proxyUrl;
    process.env.HTTPS_PROXY = proxyUrl;
    t.after(() => {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    });
    const result = await pullModel({
      dataDir,
      entry: testEntry(),
      endpoint: `http://hub.invalid:${hubPort}`,
    });
    // Only the download's own requests are asserted on: other code in this process may honour the same
    // variables (onnxruntime 1.30's telemetry does, unless ORT_DISABLE_TELEMETRY is set).
    const hubRequests = seen.filter((s) => s.includes('hub.invalid'));
    for (const f of FILES) {
      assert.ok(
        hubRequests.some((s) => s.includes(`/resolve/${REVISION}/${f}`)),
        `${f} went through the proxy`,
      );
    }
    const others = seen.filter((s) => !s.includes('hub.invalid'));
    if (others.length > 0) t.diagnostic(`other requests through the proxy: ${others.join('; ')}`);
    assert.deepEqual(
      await fsp.readFile(join(result.dir, 'visual/model.onnx')),
      hub.files.get('visual/model.onnx')!.body,
    );
  });

  test('an etag is a sha256 only when it has 64 hex digits', () => {
    assert.equal(sha256FromEtag(`"${'ab'.repeat(32)}"`), 'ab'.repeat(32));
    assert.equal(sha256FromEtag(`W/"${'AB'.repeat(32)}"`), 'ab'.repeat(32));
    assert.equal(sha256FromEtag(`"${'a'.repeat(40)}"`), undefined);
    assert.equal(sha256FromEtag(null), undefined);
  });
});
