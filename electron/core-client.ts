// The main process's handle on the core's utility process: calls with replies, events, media lookups.
import { utilityProcess } from 'electron';
import type { UtilityProcess } from 'electron';
import type { ResolvedMedia } from '../main/api/media-access.js';
import type { ApiErrorBody, ApiEvents, EventName } from '../main/api/types.js';
import { ORT_PRIVACY_ENV } from '../main/engine/ort-privacy.js';
import type { CoreInit, FromCore, ToCore } from './protocol.js';

export interface CoreClient {
  ready: Promise<void>;
  call(method: string, request: unknown): Promise<{ result: unknown } | ApiErrorBody>;
  media(route: string): Promise<ResolvedMedia | null>;
  ownsPath(path: string): Promise<boolean>;
  onEvent(listener: (name: EventName, payload: ApiEvents[EventName]) => void): () => void;
  close(): Promise<void>;
}

export function startCore(modulePath: string, init: CoreInit): CoreClient {
  const child: UtilityProcess = utilityProcess.fork(modulePath, [], {
    serviceName: 'Lookbook core',
    stdio: 'inherit',
    // The core runs onnxruntime: its telemetry is off in the utility process's environment from the
    // start (the engine also sees to it; see main/engine/ort-privacy.ts).
    env: { ...process.env, ...ORT_PRIVACY_ENV },
  });
  let nextId = 1;
  const pending = new Map<number, (message: FromCore) => void>();
  const listeners = new Set<(name: EventName, payload: ApiEvents[EventName]) => void>();
  let exited = false;
  let resolveReady!: () => void;
  let rejectReady!: (e: Error) => void;
  const ready = new Promise<void>((res, rej) => {
    resolveReady = res;
    rejectReady = rej;
  });
  let resolveClosed: (() => void) | undefined;

  child.on('message', (message: FromCore) => {
    switch (message.type) {
      case 'ready':
        return resolveReady();
      case 'init-error':
        return rejectReady(new Error(message.message));
      case 'event':
        for (const l of listeners) l(message.name, message.payload);
        return;
      case 'closed':
        return resolveClosed?.();
      default: {
        const done = pending.get(message.id);
        pending.delete(message.id);
        done?.(message);
      }
    }
  });
  child.on('exit', (code) => {
    exited = true;
    rejectReady(new Error(`the core stopped (exit code ${code})`));
    for (const done of pending.values()) {
      done({
        type: 'result',
        id: 0,
        reply: {
          error: {
            message: 'Lookbook’s background process stopped. Restart Lookbook.',
            code: 'core-stopped',
          },
        },
      });
    }
    pending.clear();
    resolveClosed?.();
  });

  const request = <T extends FromCore>(make: (id: number) => ToCore): Promise<T> => {
    if (exited) return Promise.reject(new Error('the core has stopped'));
    const id = nextId++;
    return new Promise<T>((resolve) => {
      pending.set(id, resolve as (m: FromCore) => void);
      child.postMessage(make(id));
    });
  };

  child.postMessage({ type: 'init', init } satisfies ToCore);

  return {
    ready,
    async call(method, req) {
      const m = await request<Extract<FromCore, { type: 'result' }>>((id) => ({
        type: 'call',
        id,
        method,
        request: req,
      }));
      return m.reply;
    },
    async media(route) {
      const m = await request<FromCore>((id) => ({ type: 'media', id, route }));
      return m.type === 'media' ? m.file : null;
    },
    async ownsPath(path) {
      const m = await request<FromCore>((id) => ({ type: 'owns-path', id, path }));
      return m.type === 'owns-path' ? m.owned : false;
    },
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      if (exited) return;
      const closed = new Promise<void>((r) => (resolveClosed = r));
      child.postMessage({ type: 'close' } satisfies ToCore);
      // A core stuck in a long model call must not keep the app from quitting.
      const timeout = new Promise<void>((r) => setTimeout(r, 5000));
      await Promise.race([closed, timeout]);
      if (!exited) child.kill();
    },
  };
}
