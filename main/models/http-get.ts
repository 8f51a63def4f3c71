// One HTTP(S) GET with Node's own http/https modules, through HTTPS_PROXY/HTTP_PROXY unless NO_PROXY says
// otherwise. Redirects are not followed (the caller needs the headers of each hop).
//
// Why not fetch: Node 20's fetch ignores the proxy variables, and undici 7 (the last line that runs on
// Node 20) crashes the process with an uncatchable AssertionError when a server closes the connection
// while a body is paused by back-pressure (nodejs/undici#5360, fixed only in undici 8, which needs
// Node 22). Static mirrors and HTTP/1.0 servers close connections after every response, and a disk
// that writes slower than the network pauses the body, so that is an ordinary download, not a corner case.
import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import tls from 'node:tls';
import { UserError } from '../errors.js';

export interface HttpResponse {
  status: number;
  header(name: string): string | null;
  body: http.IncomingMessage;
  /** Drops the body (and the connection if it is still sending). */
  discard(): void;
}

export interface HttpGetOptions {
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /** Idle time after which a silent connection is given up (default 60 s). */
  idleTimeoutMs?: number;
}

function envVar(env: NodeJS.ProcessEnv, name: string): string | undefined {
  return env[name] || env[name.toLowerCase()] || undefined;
}

/** Whether NO_PROXY (comma or space separated: hosts, .domains, *.domains, host:port, '*') covers the URL. */
export function bypassesProxy(target: URL, noProxy: string | undefined): boolean {
  if (!noProxy) return false;
  const host = target.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = target.port || (target.protocol === 'https:' ? '443' : '80');
  for (const raw of noProxy.split(/[\s,]+/)) {
    let entry = raw.trim().toLowerCase();
    if (!entry) continue;
    if (entry === '*') return true;
    let entryPort: string | undefined;
    const m = /^(.*):(\d+)$/.exec(entry);
    if (m && !entry.includes(']')) {
      entry = m[1]!;
      entryPort = m[2];
    }
    entry = entry.replace(/^\[|\]$/g, '').replace(/^\*?\./, '.');
    if (entryPort && entryPort !== port) continue;
    if (
      entry.startsWith('.')
        ? host.endsWith(entry) || host === entry.slice(1)
        : host === entry || host.endsWith(`.${entry}`)
    ) {
      return true;
    }
  }
  return false;
}

/** The proxy to use for `url` under the usual variables, or undefined for a direct connection. */
export function proxyFor(url: string, env: NodeJS.ProcessEnv = process.env): URL | undefined {
  const target = new URL(url);
  const raw =
    target.protocol === 'https:'
      ? (envVar(env, 'HTTPS_PROXY') ?? envVar(env, 'ALL_PROXY'))
      : (envVar(env, 'HTTP_PROXY') ?? envVar(env, 'ALL_PROXY'));
  if (!raw || bypassesProxy(target, envVar(env, 'NO_PROXY'))) return undefined;
  let proxy: URL;
  try {
    proxy = new URL(raw.includes('://') ? raw : `http://${raw}`);
  } catch {
    throw new UserError(`the proxy setting '${raw}' is not a URL`, 'invalid-proxy');
  }
  if (proxy.protocol !== 'http:' && proxy.protocol !== 'https:') {
    throw new UserError(`proxy ${proxy.protocol}// is not supported (use an http:// proxy)`, 'invalid-proxy');
  }
  return proxy;
}

function proxyAuth(proxy: URL): Record<string, string> {
  if (!proxy.username) return {};
  const creds = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
  return { 'proxy-authorization': `Basic ${Buffer.from(creds).toString('base64')}` };
}

function defaultPort(u: URL): number {
  return Number(u.port || (u.protocol === 'https:' ? 443 : 80));
}

/** Opens a CONNECT tunnel through `proxy` to host:port and returns the raw socket. */
function connectTunnel(proxy: URL, target: URL, signal?: AbortSignal): Promise<Socket> {
  const authority = `${target.hostname}:${defaultPort(target)}`;
  const mod = proxy.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = mod.request({
      host: proxy.hostname,
      port: defaultPort(proxy),
      method: 'CONNECT',
      path: authority,
      headers: { host: authority, ...proxyAuth(proxy) },
      ...(signal ? { signal } : {}),
    });
    req.once('connect', (res, socket) => {
      if (res.statusCode !== 200) {
        socket.destroy();
        reject(
          new UserError(
            `the proxy ${proxy.host} refused to connect to ${authority} (${res.statusCode} ${res.statusMessage ?? ''})`.trim(),
            'proxy-refused',
          ),
        );
        return;
      }
      resolve(socket);
    });
    req.once('error', reject);
    req.end();
  });
}

export async function httpGet(
  url: string,
  headers: Record<string, string>,
  opts: HttpGetOptions = {},
): Promise<HttpResponse> {
  const target = new URL(url);
  if (target.protocol !== 'http:' && target.protocol !== 'https:') {
    throw new UserError(`cannot download from ${target.protocol}// URLs`, 'download-failed');
  }
  const proxy = proxyFor(url, opts.env ?? process.env);
  let req: http.ClientRequest;
  if (proxy && target.protocol === 'http:') {
    // Plain HTTP through a proxy: the absolute URL goes in the request line.
    req = (proxy.protocol === 'https:' ? https : http).request({
      host: proxy.hostname,
      port: defaultPort(proxy),
      path: target.href,
      headers: { ...headers, host: target.host, ...proxyAuth(proxy) },
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
  } else if (proxy) {
    const socket = await connectTunnel(proxy, target, opts.signal);
    req = https.request(target, {
      headers,
      agent: false,
      createConnection: () => tls.connect({ socket, servername: target.hostname }),
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
  } else {
    req = (target.protocol === 'https:' ? https : http).request(target, {
      headers,
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
  }
  const idle = opts.idleTimeoutMs ?? 60_000;
  req.setTimeout(idle, () => {
    req.destroy(
      Object.assign(new Error(`no data from ${target.host} for ${idle / 1000} s`), { code: 'ETIMEDOUT' }),
    );
  });
  return new Promise((resolve, reject) => {
    req.once('error', reject);
    req.once('response', (res) => {
      resolve({
        status: res.statusCode ?? 0,
        header: (name) => {
          const v = res.headers[name.toLowerCase()];
          return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
        },
        body: res,
        discard: () => {
          res.resume();
          if (!res.complete) res.destroy();
        },
      });
    });
    req.end();
  });
}
