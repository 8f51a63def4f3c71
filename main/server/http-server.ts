// The web mode's HTTP server: the built renderer, the API (POST /api/call/<method>), progress events
// (Server-Sent Events at GET /api/events) and media (GET /media/thumb/<contentId>, /media/photo/<id>).
//
// Who may talk to it (see tests/server/security.test.ts):
//   - it listens on 127.0.0.1 only;
//   - every /api and /media request carries the secret token (header X-Lookbook-Token, or ?token= where
//     a browser cannot set headers: <img>, EventSource); other local users and web pages do not know it.
//     It is kept in the data directory, owner-only, so an open page reconnects after a restart
//     (main/server/serve.ts). No cookie: cookies are shared by every port of 127.0.0.1.
//   - the Host header must name this server (127.0.0.1:<port> or localhost:<port>), which defeats DNS
//     rebinding; an Origin header, when present, must be this server's origin, and Sec-Fetch-Site must
//     not be cross-site, which defeats CSRF; API calls must be application/json (a cross-site form
//     cannot send that without a CORS preflight, which we never answer).
//   - media only for files that belong to the library (main/api/media-access.ts).
//
// Server-Sent Events rather than WebSocket: events flow one way, EventSource reconnects by itself, and
// it needs no dependency and no upgrade handling.
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { extname, join, normalize, resolve } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { CoreApi, ErrorLogger } from '../api/dispatch.js';
import { dispatch } from '../api/dispatch.js';
import { resolveMedia } from '../api/media-access.js';
import { EVENT_NAMES } from '../api/types.js';
import { contentSecurityPolicy } from '../api/content-security-policy.js';
import { rendererFileType } from '../api/renderer-file-types.js';
import { logError } from '../log.js';
import { isUnder } from '../paths.js';
import {
  BodyBudgets,
  BodyTooLarge,
  answerAndDropBody,
  bodyLimit,
  declaredLength,
  readBody,
  tooLargeBody,
} from './request-body.js';

export interface ServerOptions {
  api: CoreApi;
  /** 0 picks a free port. */
  port?: number;
  /** The built renderer (index.html and assets); without it, / explains how to build it. */
  rendererDir?: string;
  /** The secret (the web mode keeps one per data directory); by default a fresh random one. */
  token?: string;
  log?: ErrorLogger;
}

export interface RunningServer {
  /** The address to open, token included. */
  url: string;
  origin: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const HOST = '127.0.0.1';

// The renderer needs nothing from elsewhere: scripts, styles, images and API calls are all same-origin.
const CSP = contentSecurityPolicy();

function baseHeaders(res: ServerResponse): void {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  // The token travels in URLs (?token=): never leak it through Referer.
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  res.setHeader('X-Frame-Options', 'DENY');
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const data = Buffer.from(JSON.stringify(body));
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': data.length,
    'Cache-Control': 'no-store',
  });
  res.end(data);
}

function refuse(res: ServerResponse, status: number, message: string, code: string): void {
  sendJson(res, status, { error: { message, code } });
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const { api } = options;
  const token = options.token ?? randomBytes(24).toString('base64url');
  const tokenBytes = Buffer.from(token);
  const rendererDir = options.rendererDir ? resolve(options.rendererDir) : undefined;
  const sseClients = new Set<ServerResponse>();
  const bodyBudgets = new BodyBudgets();
  let port = 0;

  const tokenMatches = (candidate: string | null | undefined): boolean => {
    if (!candidate) return false;
    const b = Buffer.from(candidate);
    return b.length === tokenBytes.length && timingSafeEqual(b, tokenBytes);
  };

  const allowedHosts = (): Set<string> => new Set([`${HOST}:${port}`, `localhost:${port}`]);
  const allowedOrigins = (): Set<string> => new Set([`http://${HOST}:${port}`, `http://localhost:${port}`]);

  async function serveStatic(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405, 'Only GET here.', 'method');
    if (!rendererDir) {
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(
        'The Lookbook interface is not built. Run `npm run build:renderer`, then start `lookbook serve` again.\n',
      );
      return;
    }
    let rel: string;
    try {
      rel = decodeURIComponent(pathname);
    } catch {
      return refuse(res, 400, 'Bad address.', 'bad-path');
    }
    const candidate = normalize(join(rendererDir, rel));
    let file = candidate;
    if (!isUnder(candidate, rendererDir) || rel.includes('\0'))
      return refuse(res, 404, 'Not found.', 'not-found');
    let s = await stat(file).catch(() => null);
    if (!s || !s.isFile()) {
      // Client-side routes fall back to the app; missing assets are 404s.
      if (extname(rel)) return refuse(res, 404, 'Not found.', 'not-found');
      file = join(rendererDir, 'index.html');
      s = await stat(file).catch(() => null);
      if (!s) return refuse(res, 404, 'Not found.', 'not-found');
    }
    const type = rendererFileType(file);
    const headers: Record<string, string | number> = { 'Content-Type': type, 'Content-Length': s.size };
    if (type.startsWith('text/html')) {
      headers['Content-Security-Policy'] = CSP;
      headers['Cache-Control'] = 'no-store';
    } else if (file.includes(`${join(rendererDir, 'assets')}`)) {
      headers['Cache-Control'] = 'public, max-age=31536000, immutable';
    }
    res.writeHead(200, headers);
    if (req.method === 'HEAD') return void res.end();
    createReadStream(file).pipe(res);
  }

  async function serveMedia(req: IncomingMessage, res: ServerResponse, route: string): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405, 'Only GET here.', 'method');
    // The route is used raw (not decoded): resolveMedia accepts only plain ids, so '%2e%2e' is refused.
    const media = await resolveMedia(api.media, route);
    if (!media) return refuse(res, 404, 'No such photo in the library.', 'not-found');
    res.writeHead(200, {
      'Content-Type': media.contentType,
      'Content-Length': media.size,
      'Cache-Control': 'private, max-age=3600',
    });
    if (req.method === 'HEAD') return void res.end();
    createReadStream(media.path)
      .on('error', () => res.destroy())
      .pipe(res);
  }

  function serveEvents(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
    });
    res.write('retry: 2000\n\n');
    const unsubscribes = EVENT_NAMES.map((name) =>
      api.subscribe(name, (payload) => {
        res.write(`event: ${name}\ndata: ${JSON.stringify(payload)}\n\n`);
      }),
    );
    // Comments keep proxies and idle timers from closing a quiet stream.
    const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
    sseClients.add(res);
    const done = () => {
      clearInterval(ping);
      for (const u of unsubscribes) u();
      sseClients.delete(res);
    };
    req.on('close', done);
    res.on('error', done);
  }

  // One API call: its body within the method's cap and the server's budget (main/server/request-body.ts),
  // then dispatch. The budget is held until the answer is sent, since the request lives that long.
  async function callApi(req: IncomingMessage, res: ServerResponse, method: string): Promise<void> {
    const limit = bodyLimit(method);
    const tooLarge = () => sendJson(res, 413, tooLargeBody(limit));
    const declared = declaredLength(req);
    if (declared !== null && declared > limit.bytes) return answerAndDropBody(req, tooLarge);
    let closed = false;
    const clientLeft = new Promise<void>((left) =>
      res.once('close', () => {
        closed = true;
        left();
      }),
    );
    const release = await bodyBudgets.reserve(declared ?? limit.bytes, clientLeft);
    if (closed) return release?.(); // the client left while it waited for its turn
    if (!release) {
      res.setHeader('Retry-After', '2');
      return answerAndDropBody(req, () =>
        refuse(res, 503, 'Lookbook is busy with other large requests; try again in a moment.', 'busy'),
      );
    }
    res.once('close', release);
    let body: unknown;
    try {
      const raw = await readBody(req, limit.bytes);
      body = raw.length === 0 ? {} : JSON.parse(raw.toString('utf8'));
    } catch (e) {
      if (e instanceof BodyTooLarge) return answerAndDropBody(req, tooLarge);
      if (closed) return;
      return refuse(res, 400, 'The request is not valid JSON.', 'invalid-request');
    }
    const result = await dispatch(api, method, body, options.log);
    if (result.ok) return sendJson(res, 200, { result: result.result });
    return sendJson(res, result.status, result.body);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    baseHeaders(res);
    const host = req.headers.host ?? '';
    if (!allowedHosts().has(host.toLowerCase())) {
      return refuse(res, 421, 'This Lookbook server only answers to 127.0.0.1 or localhost.', 'bad-host');
    }
    const origin = req.headers.origin;
    if (origin !== undefined && !allowedOrigins().has(origin.toLowerCase())) {
      return refuse(res, 403, 'Requests from other web pages are refused.', 'bad-origin');
    }
    if (req.headers['sec-fetch-site'] === 'cross-site') {
      return refuse(res, 403, 'Requests from other web pages are refused.', 'bad-origin');
    }
    // Browsers normalise paths before sending them; dot segments or encoded separators in the raw path
    // are someone probing for files outside the interface or the library.
    const rawPath = (req.url ?? '/').split('?')[0] ?? '/';
    if (/(^|\/)\.\.?(\/|$)|%2e|%2f|%5c|\\|\0/i.test(rawPath))
      return refuse(res, 400, 'Bad address.', 'bad-path');
    const url = new URL(req.url ?? '/', `http://${HOST}:${port}`);
    const pathname = url.pathname;
    const needsToken = pathname.startsWith('/api/') || pathname.startsWith('/media/');
    if (!needsToken) return serveStatic(req, res, pathname);

    const headerToken = req.headers['x-lookbook-token'];
    const bearer = req.headers.authorization?.replace(/^Bearer\s+/i, '');
    const given =
      (typeof headerToken === 'string' ? headerToken : undefined) ?? bearer ?? url.searchParams.get('token');
    if (!tokenMatches(given)) {
      return refuse(
        res,
        401,
        'This address needs the secret link that `lookbook serve` printed when it started.',
        'bad-token',
      );
    }

    if (pathname === '/api/events') {
      if (req.method !== 'GET') return refuse(res, 405, 'Only GET here.', 'method');
      return serveEvents(req, res);
    }
    if (pathname.startsWith('/media/')) {
      const raw = (req.url ?? '').split('?')[0] ?? '';
      return serveMedia(req, res, raw.slice('/media'.length));
    }
    if (pathname.startsWith('/api/call/')) {
      if (req.method !== 'POST') return refuse(res, 405, 'API calls are POST requests.', 'method');
      const type = req.headers['content-type'] ?? '';
      if (!/^application\/json\b/i.test(type)) {
        return refuse(res, 415, 'API calls must be sent as application/json.', 'bad-content-type');
      }
      // Method names are plain ASCII ('search.query'): no decoding needed, and a bad escape is just unknown.
      const method = pathname.slice('/api/call/'.length);
      return callApi(req, res, method);
    }
    return refuse(res, 404, 'Not found.', 'not-found');
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((e) => {
      (options.log ?? logError)('request failed', e);
      if (!res.headersSent) refuse(res, 500, 'Something went wrong inside Lookbook.', 'internal');
      else res.destroy();
    });
  });
  // Listening on 127.0.0.1 (not localhost, which may resolve to ::1 or both; not 0.0.0.0).
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 0, HOST, () => {
      server.off('error', fail);
      ok();
    });
  });
  port = (server.address() as AddressInfo).port;
  const origin = `http://${HOST}:${port}`;

  return {
    url: `${origin}/?token=${encodeURIComponent(token)}`,
    origin,
    port,
    token,
    async close() {
      for (const c of sseClients) c.end();
      sseClients.clear();
      await new Promise<void>((ok) => {
        server.close(() => ok());
        server.closeAllConnections();
      });
    },
  };
}
