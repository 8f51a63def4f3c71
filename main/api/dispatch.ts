// What both transports (HTTP in main/server/, IPC in electron/) hold: a core API object, and one
// function that turns an untrusted (method, body) pair into a result or an error body. Errors are
// logged once here, at the boundary; a UserError's message goes to the UI as is, anything else is a bug
// and the UI gets a sentence, not a stack trace.
import { describeError, diskFullMessage, isDiskFull, isUserError } from '../errors.js';
import { logError } from '../log.js';
import type { MediaSource } from './media-access.js';
import type { ApiErrorBody, ApiEvents, ApiHandlers, EventName, Listener, Unsubscribe } from './types.js';
import { validateRequest } from './validate.js';

export interface CoreApi {
  readonly handlers: ApiHandlers;
  subscribe<E extends EventName>(event: E, listener: Listener<E>): Unsubscribe;
  /** The files the UI may read (see [Note: media access]). */
  readonly media: MediaSource;
  /** The library's data directory: where a full disk is (see [Note: disk full]). */
  readonly dataDir?: string;
  close(): Promise<void>;
}

export type DispatchResult =
  { ok: true; result: unknown } | { ok: false; status: number; body: ApiErrorBody };

/** Where a failure is reported; main/log.ts' logError by default. */
export type ErrorLogger = (message: string, error: unknown) => void;

export function errorBody(e: unknown, dataDir?: string): { status: number; body: ApiErrorBody } {
  // 507 Insufficient Storage: the request was fine, the disk is not (see [Note: disk full]).
  if (!isUserError(e) && isDiskFull(e)) {
    return { status: 507, body: { error: { message: diskFullMessage(e, dataDir), code: 'disk-full' } } };
  }
  if (isUserError(e)) {
    const status = e.code === 'unknown-method' ? 404 : e.code.endsWith('not-found') ? 404 : 400;
    const suggestion = e.suggestion === undefined ? {} : { suggestion: e.suggestion };
    return { status, body: { error: { message: e.message, code: e.code, ...suggestion } } };
  }
  return {
    status: 500,
    body: {
      error: {
        message: `Something went wrong inside Lookbook (${describeError(e)}). Your library is unchanged; try again, and report it if it keeps happening.`,
        code: 'internal',
      },
    },
  };
}

export async function dispatch(
  api: CoreApi,
  method: string,
  body: unknown,
  log: ErrorLogger = logError,
): Promise<DispatchResult> {
  try {
    const request = validateRequest(method, body);
    const handler = api.handlers[method as keyof ApiHandlers] as (r: unknown) => Promise<unknown>;
    const result = await handler(request);
    return { ok: true, result: result ?? null };
  } catch (e) {
    if (!isUserError(e)) log(`${method} failed`, e);
    return { ok: false, ...errorBody(e, api.dataDir) };
  }
}

/** A typed, synchronous event hub for the core's progress events. */
export interface EventHub {
  emit<E extends EventName>(event: E, payload: ApiEvents[E]): void;
  subscribe<E extends EventName>(event: E, listener: Listener<E>): Unsubscribe;
  /** The latest payload of each event, so a UI that connects late starts from the current state. */
  latest<E extends EventName>(event: E): ApiEvents[E] | undefined;
}

export function createEventHub(log: ErrorLogger = logError): EventHub {
  const listeners = new Map<EventName, Set<(p: unknown) => void>>();
  const last = new Map<EventName, unknown>();
  return {
    emit(event, payload) {
      last.set(event, payload);
      for (const l of listeners.get(event) ?? []) {
        try {
          l(payload);
        } catch (e) {
          // One broken listener (a closed connection) must not stop the others.
          log(`listener for ${event} failed`, e);
        }
      }
    },
    subscribe(event, listener) {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      const l = listener as (p: unknown) => void;
      set.add(l);
      return () => {
        set.delete(l);
      };
    },
    latest(event) {
      return last.get(event) as never;
    },
  };
}
