// The sandboxed preload: the renderer's only way to the core. It exposes a narrow bridge (one call
// function, one subscription, a few host actions) through contextBridge, never ipcRenderer itself.
// CommonJS because a sandboxed preload cannot be an ES module; it may require only 'electron'.
// [Note: one API, two transports] Keep in step with electron/ipc.ts and main/api/types.ts.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- CommonJS is required in a sandboxed preload
import electron = require('electron');
import type { ApiErrorBody, PreloadBridge } from '../main/api/types.js';

const { contextBridge, ipcRenderer, webUtils } = electron;

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
    pickFolder: () => ipcRenderer.invoke('lookbook:host', 'pickFolder') as Promise<string | null>,
    pickImage: () => ipcRenderer.invoke('lookbook:host', 'pickImage') as Promise<string | null>,
    showInFolder: (path: string) =>
      ipcRenderer.invoke('lookbook:host', 'showInFolder', String(path)) as Promise<void>,
    openWithDefaultApp: (path: string) =>
      ipcRenderer.invoke('lookbook:host', 'openWithDefaultApp', String(path)) as Promise<void>,
    pathForFile: (file: File) => webUtils.getPathForFile(file),
  },
  mediaBase: 'lookbook-media://media',
};

contextBridge.exposeInMainWorld('lookbook', bridge);
