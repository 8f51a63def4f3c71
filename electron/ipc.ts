// [Note: one API, two transports] The Electron transport: the renderer's calls go, unchanged and
// unvalidated, to the core's utility process, which validates them (main/api/validate.ts) exactly as
// the web server does; events come back to every window. Host actions (dialogs, the file manager) are
// handled here, and only for files that belong to the library.
import { BrowserWindow, dialog, ipcMain, shell } from 'electron';
import type { OpenDialogOptions } from 'electron';
import type { CoreClient } from './core-client.js';
import { isTrustedSender } from './security.js';

const refused = { error: { message: 'This request is not allowed from here.', code: 'forbidden' } };

export async function addFolderWithDialog(core: CoreClient, win: BrowserWindow | undefined): Promise<void> {
  const options: OpenDialogOptions = {
    title: 'Add a folder of photos',
    properties: ['openDirectory', 'multiSelections'],
  };
  const picked = win ? await dialog.showOpenDialog(win, options) : await dialog.showOpenDialog(options);
  for (const path of picked.canceled ? [] : picked.filePaths) {
    const reply = await core.call('folders.add', { path });
    if ('error' in reply) dialog.showErrorBox('Could not add the folder', reply.error.message);
  }
}

export function registerIpc(core: CoreClient): void {
  ipcMain.handle('lookbook:call', async (event, method: unknown, request: unknown) => {
    if (!isTrustedSender(event)) return refused;
    if (typeof method !== 'string') return { error: { message: 'Unknown request.', code: 'unknown-method' } };
    return core.call(method, request);
  });

  ipcMain.handle('lookbook:host', async (event, action: unknown, arg: unknown) => {
    if (!isTrustedSender(event)) return null;
    const win = BrowserWindow.fromWebContents(event.sender) ?? undefined;
    switch (action) {
      case 'pickFolder': {
        const options: OpenDialogOptions = { title: 'Choose a folder', properties: ['openDirectory'] };
        const r = win ? await dialog.showOpenDialog(win, options) : await dialog.showOpenDialog(options);
        return r.canceled ? null : (r.filePaths[0] ?? null);
      }
      case 'pickImage': {
        const options: OpenDialogOptions = {
          title: 'Search by an image',
          properties: ['openFile'],
          filters: [
            {
              name: 'Images',
              extensions: ['jpg', 'jpeg', 'png', 'webp', 'heic', 'heif', 'gif', 'bmp', 'tif', 'tiff', 'avif'],
            },
          ],
        };
        const r = win ? await dialog.showOpenDialog(win, options) : await dialog.showOpenDialog(options);
        return r.canceled ? null : (r.filePaths[0] ?? null);
      }
      case 'showInFolder':
        if (typeof arg === 'string' && (await core.ownsPath(arg))) shell.showItemInFolder(arg);
        return null;
      case 'openWithDefaultApp':
        // Only photos of the library: opening an arbitrary path could run a program.
        if (typeof arg === 'string' && (await core.ownsPath(arg))) await shell.openPath(arg);
        return null;
      default:
        return null;
    }
  });

  core.onEvent((name, payload) => {
    for (const win of BrowserWindow.getAllWindows()) {
      if (!win.isDestroyed()) win.webContents.send('lookbook:event', name, payload);
    }
  });
}
