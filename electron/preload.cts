// The sandboxed preload: the renderer's only way to the core. It exposes a narrow bridge (one call
// function, one subscription, a few host actions) through contextBridge, never ipcRenderer itself.
// CommonJS because a sandboxed preload cannot be an ES module; it may require only 'electron'.
// [Note: one API, two transports] Keep in step with electron/ipc.ts and main/api/types.ts; the host
// actions' types come from electron/host-actions.ts.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- CommonJS is required in a sandboxed preload
import electron = require('electron');
import type { ApiErrorBody, PreloadBridge } from '../main/api/types.js';
import type { HostActionName, HostActions, HostChannel } from './host-actions.js';

const { contextBridge, ipcRenderer, webUtils } = electron;

// A sandboxed preload cannot load host-actions.ts, only its types: the type keeps this copy right.
const HOST_CHANNEL: HostChannel = 'lookbook:host';

/** Asks electron/ipc.ts to carry out a host action; name, arguments and result are HostApi's (see [Note: host actions]). */
function invokeHost<A extends HostActionName>(
  action: A,
  ...args: HostActions[A]['args']
): Promise<HostActions[A]['result']> {
  return ipcRenderer.invoke(HOST_CHANNEL, action, ...args) as Promise<HostActions[A]['result']>;
}

const bridge: PreloadBridge = {
  call: (method: string, request: unknown) =>
    ipcRenderer.invoke('lookbook:call', String(method), request) as Promise<
      { result: unknown } | ApiErrorBody
    >,
  subscribe(event: string, listener: (payload: unknown) => void) {
    const handler = (_e: unknown, name: unknown, payload: unknown) => {
      if (name === event) listener(payload);
    };
    ipcRenderer.on('lookbook:event', handler);
    return () => {
      ipcRenderer.removeListener('lookbook:event', handler);
    };
  },
  host: {
    pickFolder: () => invokeHost('pickFolder'),
    pickImage: () => invokeHost('pickImage'),
    showInFolder: (path: string) => invokeHost('showInFolder', String(path)),
    openWithDefaultApp: (path: string) => invokeHost('openWithDefaultApp', String(path)),
    pathForFile: (file: File) => webUtils.getPathForFile(file),
  },
  mediaBase: 'lookbook-media://media',
};

contextBridge.exposeInMainWorld('lookbook', bridge);
