// [Note: one API, two transports] The renderer's side: a LookbookClient over whichever transport is
// present — the Electron preload's `window.lookbook`, or HTTP with the token from the page's URL.
import type {
  ApiErrorBody,
  ApiTransport,
  EventName,
  HostApi,
  Listener,
  LookbookClient,
  MethodName,
  PreloadBridge,
  Request,
  Response,
  Unsubscribe,
} from './types';
import { EVENT_NAMES, MEDIA_ROUTES } from './types';

/** An error from the core: `message` is already written for people. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: string,
    /** What the person most likely meant (see ApiErrorBody). */
    readonly suggestion?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface AppClient extends LookbookClient {
  /** Native abilities of the desktop shell; undefined in web mode. */
  host: HostApi | undefined;
  /** Whether the core answers now (always true in Electron, where it cannot go away on its own). */
  isOnline(): boolean;
  /** Called when the core stops answering, and again when it is back. */
  onConnectionChange(listener: (online: boolean) => void): Unsubscribe;
  /** Asks the core now instead of at the next retry (the banner's "Try now"). */
  reconnectNow(): void;
  thumbnailUrl(contentId: string): string;
  photoUrl(photoId: string): string;
  transport: 'electron' | 'http';
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function isErrorBody(x: unknown): x is ApiErrorBody {
  return typeof x === 'object' && x !== null && 'error' in x;
}

function withSubscriptions(transport: ApiTransport): LookbookClient {
  const subs: Record<string, unknown> = {};
  for (const e of EVENT_NAMES) {
    subs[`on${capitalize(e)}`] = (listener: Listener<typeof e>) => transport.subscribe(e, listener);
  }
  return {
    call: (method, request) => transport.call(method, request),
    subscribe: (event, listener) => transport.subscribe(event, listener),
    ...subs,
  } as LookbookClient;
}

function ipcTransport(bridge: PreloadBridge): ApiTransport {
  return {
    async call<M extends MethodName>(method: M, request: Request<M>): Promise<Response<M>> {
      const reply = await bridge.call(method, request);
      if (isErrorBody(reply))
        throw new ApiError(reply.error.message, reply.error.code, reply.error.suggestion);
      return reply.result as Response<M>;
    },
    subscribe(event, listener) {
      return bridge.subscribe(event, listener as (p: unknown) => void);
    },
  };
}

// [Note: offline] In the web mode the server can stop (Ctrl+C, a closed terminal) and start again. The
// client then says so once, through the connection state, rather than failing every call in red:
//   - the first call that cannot reach it, or the event stream dropping, marks it offline;
//   - while offline, 'library.status' is asked with a growing pause (1 s, 2 s, 4 s … at most 10 s);
//   - reads made while offline wait for the server instead of failing (views show their loading state),
//     and so does a read that discovers the outage (it never reached the server); changes (adding a
//     folder…) fail with one plain sentence, and the app disables their buttons meanwhile;
//   - once it answers, the event stream is opened again (its listeners kept), thumbnails that failed
//     are asked again, and `libraryChanged` tells every view to refresh what it shows.
// The server keeps its token in the data directory (main/server/serve.ts), so the same link still works.

/** Requests that only read: safe to send again once the server is back. */
const READS: ReadonlySet<MethodName> = new Set<MethodName>([
  'library.status',
  'folders.browse',
  'search.query',
  'search.facets',
  'store.get',
  'photos.get',
  'tags.facets',
  'vocabularies.list',
  'pairs.overview',
  'adapters.list',
  'models.catalogue',
]);

const OFFLINE_MESSAGE = 'Lookbook is not reachable. Is `lookbook serve` still running?';
const RETRY_FIRST_MS = 1_000;
const RETRY_MAX_MS = 10_000;

interface HttpTransport extends ApiTransport {
  connection: {
    isOnline(): boolean;
    onChange(listener: (online: boolean) => void): Unsubscribe;
    reconnectNow(): void;
    /** How many times the server came back: thumbnails that failed meanwhile are asked again. */
    reconnects(): number;
  };
}

function httpTransport(token: string): HttpTransport {
  let source: EventSource | null = null;
  const listeners = new Map<EventName, Set<(p: unknown) => void>>();
  const emit = (name: EventName, payload: unknown) => {
    for (const l of listeners.get(name) ?? []) l(payload);
  };

  let online = true;
  let reconnects = 0;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let retryDelay = RETRY_FIRST_MS;
  const connectionListeners = new Set<(online: boolean) => void>();
  let waiters: Array<() => void> = [];

  const post = (method: MethodName, request: unknown) =>
    fetch(`./api/call/${method}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Lookbook-Token': token },
      body: JSON.stringify(request ?? {}),
    });

  const openSource = (): EventSource => {
    const es = new EventSource(`./api/events?token=${encodeURIComponent(token)}`);
    for (const name of EVENT_NAMES) {
      es.addEventListener(name, (ev) => emit(name, JSON.parse((ev as MessageEvent<string>).data)));
    }
    // The stream breaks when the server stops (the browser retries it by itself, but cannot tell a
    // restart from a long outage): ask the server whether it is still there.
    es.addEventListener('error', () => {
      if (online) void probe();
    });
    return es;
  };
  const ensureSource = (): EventSource => (source ??= openSource());

  const setOnline = (next: boolean) => {
    if (online === next) return;
    online = next;
    if (next) {
      reconnects++;
      retryDelay = RETRY_FIRST_MS;
      clearTimeout(retryTimer);
      // A fresh stream: the old one may have given up (CLOSED) while the server was away.
      if (source) {
        source.close();
        source = openSource();
      }
      const waiting = waiters;
      waiters = [];
      for (const w of waiting) w();
    } else {
      scheduleProbe();
    }
    for (const l of connectionListeners) l(next);
    // What changed while away (photos indexed, a folder added elsewhere) is not known: refresh all.
    if (next) {
      call('library.status', {}).then(
        (status) => emit('libraryChanged', { photoCount: status.photoCount }),
        () => undefined, // gone again: the next reconnection refreshes
      );
    }
  };

  const scheduleProbe = () => {
    clearTimeout(retryTimer);
    retryTimer = setTimeout(() => void probe(), retryDelay);
    retryDelay = Math.min(RETRY_MAX_MS, retryDelay * 2);
  };

  /** Whether the server answers; flips the state either way. */
  async function probe(): Promise<void> {
    try {
      const res = await post('library.status', {});
      await res.body?.cancel();
      setOnline(true);
    } catch {
      if (online) setOnline(false);
      else scheduleProbe();
    }
  }

  const untilOnline = () => (online ? Promise.resolve() : new Promise<void>((r) => waiters.push(r)));

  async function call<M extends MethodName>(method: M, request: Request<M>): Promise<Response<M>> {
    const read = READS.has(method);
    if (read) await untilOnline();
    let res: globalThis.Response;
    try {
      res = await post(method, request);
    } catch {
      setOnline(false);
      // A read that could not connect never reached the server: it waits and is sent again.
      if (read) return call(method, request);
      throw new ApiError(OFFLINE_MESSAGE, 'offline');
    }
    setOnline(true);
    const body = (await res.json().catch(() => null)) as { result: unknown } | ApiErrorBody | null;
    if (!body)
      throw new ApiError(`Lookbook answered with an unexpected reply (HTTP ${res.status}).`, 'bad-reply');
    if (isErrorBody(body)) throw new ApiError(body.error.message, body.error.code, body.error.suggestion);
    return body.result as Response<M>;
  }

  return {
    call,
    subscribe(event, listener) {
      ensureSource();
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      const l = listener as (p: unknown) => void;
      set.add(l);
      return () => {
        set.delete(l);
      };
    },
    connection: {
      isOnline: () => online,
      onChange(listener) {
        connectionListeners.add(listener);
        return () => connectionListeners.delete(listener);
      },
      reconnectNow() {
        if (online) return;
        retryDelay = RETRY_FIRST_MS;
        void probe();
      },
      reconnects: () => reconnects,
    },
  };
}

declare global {
  interface Window {
    lookbook?: PreloadBridge;
  }
}

/** Picks the transport: Electron's preload bridge if present, else HTTP with the URL's token. */
export function createAppClient(): AppClient {
  const bridge = window.lookbook;
  if (bridge) {
    const base = bridge.mediaBase.replace(/\/$/, '');
    return {
      ...withSubscriptions(ipcTransport(bridge)),
      host: bridge.host,
      transport: 'electron',
      isOnline: () => true,
      onConnectionChange: () => () => undefined,
      reconnectNow: () => undefined,
      thumbnailUrl: (id) => `${base}${MEDIA_ROUTES.thumbnail}${encodeURIComponent(id)}`,
      photoUrl: (id) => `${base}${MEDIA_ROUTES.photo}${encodeURIComponent(id)}`,
    };
  }
  const token = new URLSearchParams(window.location.search).get('token') ?? '';
  const http = httpTransport(token);
  // After a reconnection the address changes a little, so images that failed while away load again.
  const q = () => {
    const n = http.connection.reconnects();
    return `?token=${encodeURIComponent(token)}${n > 0 ? `&r=${n}` : ''}`;
  };
  return {
    ...withSubscriptions(http),
    host: undefined,
    transport: 'http',
    isOnline: http.connection.isOnline,
    onConnectionChange: http.connection.onChange,
    reconnectNow: http.connection.reconnectNow,
    thumbnailUrl: (id) => `./media${MEDIA_ROUTES.thumbnail}${encodeURIComponent(id)}${q()}`,
    photoUrl: (id) => `./media${MEDIA_ROUTES.photo}${encodeURIComponent(id)}${q()}`,
  };
}

export function hasToken(): boolean {
  return Boolean(window.lookbook) || new URLSearchParams(window.location.search).has('token');
}

/** Words for any thrown value. */
export function messageOf(e: unknown): string {
  if (e instanceof ApiError) return e.message;
  if (e instanceof Error) return e.message;
  return String(e);
}
