// [Note: electron protocol] Messages between the Electron main process and the core's utility process
// (electron/core-process.ts). The API itself is typed by main/api/types.ts; this is only the envelope.
import type { ApiErrorBody, ApiEvents, EventName } from '../main/api/types.js';
import type { ResolvedMedia } from '../main/api/media-access.js';
import type { DeviceRequest } from '../main/engine/device.js';

export interface CoreInit {
  dataDir: string;
  model?: string;
  device?: DeviceRequest;
}

export type ToCore =
  | { type: 'init'; init: CoreInit }
  | { type: 'call'; id: number; method: string; request: unknown }
  | { type: 'media'; id: number; route: string }
  | { type: 'owns-path'; id: number; path: string }
  | { type: 'close' };

export type FromCore =
  | { type: 'ready' }
  | { type: 'init-error'; message: string }
  | { type: 'result'; id: number; reply: { result: unknown } | ApiErrorBody }
  | { type: 'media'; id: number; file: ResolvedMedia | null }
  | { type: 'owns-path'; id: number; owned: boolean }
  | { type: 'event'; name: EventName; payload: ApiEvents[EventName] }
  | { type: 'closed' };
