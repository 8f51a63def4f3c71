// [Note: one API, two transports] The renderer's side: a LookbookClient over whichever transport is
// present — the Electron preload's `window.lookbook`, or HTTP with the token from the page's URL.
import type {
  ApiErrorBody,
  ApiEvents,
  ApiTransport,
  EventName,
  HostApi,
  Listener,
  LookbookClient,
  MethodName,
  PreloadBridge,
  Request,
  Response,
} from './types';
import { EVENT_NAMES, MEDIA_ROUTES } from './types';

/** An error from the core: `message` is already written for people. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface AppClient extends LookbookClient {
  /** Native abilities of the desktop shell; undefined in web mode. */
  host: HostApi | undefined;
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
      if (isErrorBody(reply)) throw new ApiError(reply.error.message, reply.error.code);
      return reply.result as Response<M>;
    },
    subscribe(event, listener) {
      return bridge.subscribe(event, listener as (p: unknown) => void);
    },
  };
}

function httpTransport(token: string): ApiTransport {
  let source: EventSource | null = null;
  const listeners = new Map<EventName, Set<(p: unknown) => void>>();
  const ensureSource = (): EventSource => {
    if (source) return source;
    source = new EventSource(`./api/events?token=${encodeURIComponent(token)}`);
    for (const name of EVENT_NAMES) {
      source.addEventListener(name, (ev) => {
        const payload = JSON.parse((ev as MessageEvent<string>).data) as ApiEvents[typeof name];
        for (const l of listeners.get(name) ?? []) l(payload);
      });
    }
    return source;
  };
  return {
    async call<M extends MethodName>(method: M, request: Request<M>): Promise<Response<M>> {
      let res: globalThis.Response;
      try {
        res = await fetch(`./api/call/${method}`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'X-Lookbook-Token': token },
          body: JSON.stringify(request ?? {}),
        });
      } catch {
        throw new ApiError('Lookbook is not reachable. Is `lookbook serve` still running?', 'offline');
      }
      const body = (await res.json().catch(() => null)) as { result: unknown } | ApiErrorBody | null;
      if (!body)
        throw new ApiError(`Lookbook answered with an unexpected reply (HTTP ${res.status}).`, 'bad-reply');
      if (isErrorBody(body)) throw new ApiError(body.error.message, body.error.code);
      return body.result as Response<M>;
    },
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
      thumbnailUrl: (id) => `${base}${MEDIA_ROUTES.thumbnail}${encodeURIComponent(id)}`,
      photoUrl: (id) => `${base}${MEDIA_ROUTES.photo}${encodeURIComponent(id)}`,
    };
  }
  const token = new URLSearchParams(window.location.search).get('token') ?? '';
  const q = `?token=${encodeURIComponent(token)}`;
  return {
    ...withSubscriptions(httpTransport(token)),
    host: undefined,
    transport: 'http',
    thumbnailUrl: (id) => `./media${MEDIA_ROUTES.thumbnail}${encodeURIComponent(id)}${q}`,
    photoUrl: (id) => `./media${MEDIA_ROUTES.photo}${encodeURIComponent(id)}${q}`,
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
