// [Note: one API, two transports] The Electron transport: the renderer's calls go, unchanged and
// unvalidated, to the core's utility process, which validates them (main/api/validate.ts) exactly as
// the web server does; events come back to every window. Host actions (dialogs, the file manager; see
// [Note: host actions]) are handled here, and only for files that belong to the library.
import { BrowserWindow, dialog, ipcMain, shell } from 'electron';
import type { OpenDialogOptions } from 'electron';
import { READABLE_PHOTO_EXTENSIONS } from '../main/media/formats.js';
import type { CoreClient } from './core-client.js';
import { HOST_ACTION_ARITY, HOST_CHANNEL, isHostAction, type HostHandlers } from './host-actions.js';
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

/** The first path the user picked in an open dialog, or null when they cancelled. */
async function pickOne(win: BrowserWindow | undefined, options: OpenDialogOptions): Promise<string | null> {
  const r = win ? await dialog.showOpenDialog(win, options) : await dialog.showOpenDialog(options);
  return r.canceled ? null : (r.filePaths[0] ?? null);
}

export function registerIpc(core: CoreClient): void {
  ipcMain.handle('lookbook:call', async (event, method: unknown, request: unknown) => {
    if (!isTrustedSender(event)) return refused;
    if (typeof method !== 'string') return { error: { message: 'Unknown request.', code: 'unknown-method' } };
    return core.call(method, request);
  });

  const host: HostHandlers = {
    pickFolder: (win) => pickOne(win, { title: 'Choose a folder', properties: ['openDirectory'] }),
    pickImage: (win) =>
      pickOne(win, {
        title: 'Search by an image',
        properties: ['openFile'],
        filters: [{ name: 'Images', extensions: [...READABLE_PHOTO_EXTENSIONS] }],
      }),
    async showInFolder(_win, path) {
      if (await core.ownsPath(path)) shell.showItemInFolder(path);
    },
    async openWithDefaultApp(_win, path) {
      // Only photos of the library: opening an arbitrary path could run a program.
      if (await core.ownsPath(path)) await shell.openPath(path);
    },
  };

  ipcMain.handle(HOST_CHANNEL, async (event, action: unknown, ...args: unknown[]) => {
    if (!isTrustedSender(event) || !isHostAction(action)) return null;
    // IPC carries anything: only the action's own number of paths gets through.
    const paths = args.filter((a): a is string => typeof a === 'string');
    if (args.length !== HOST_ACTION_ARITY[action] || paths.length !== args.length) return null;
    const win = BrowserWindow.fromWebContents(event.sender) ?? undefined;
    // Checked above: `paths` are exactly this action's arguments.
    const handler = host[action] as (win: BrowserWindow | undefined, ...paths: string[]) => Promise<unknown>;
    return handler(win, ...paths);
  });

  core.onEvent((name, payload) => {
    for (const win of BrowserWindow.getAllWindows()) {
      if (!win.isDestroyed()) win.webContents.send('lookbook:event', name, payload);
    }
  });
}
