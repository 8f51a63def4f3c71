// The application menu: the usual roles (with their standard shortcuts) plus Lookbook's own commands.
import { Menu, app, shell } from 'electron';
import type { BrowserWindow, MenuItemConstructorOptions } from 'electron';

export function buildMenu(actions: { addFolder(): void; window(): BrowserWindow | undefined }): Menu {
  const isMac = process.platform === 'darwin';
  const go = (key: string, label: string): MenuItemConstructorOptions => ({
    label,
    accelerator: `CmdOrCtrl+${key}`,
    // The renderer handles Ctrl/Cmd+1…5 itself; the menu forwards the same key press.
    click: () =>
      actions.window()?.webContents.sendInputEvent({
        type: 'keyDown',
        keyCode: key,
        modifiers: [isMac ? 'meta' : 'control'],
      }),
  });
  const template: MenuItemConstructorOptions[] = [
    ...(isMac ? [{ role: 'appMenu' } as MenuItemConstructorOptions] : []),
    {
      label: 'File',
      submenu: [
        { label: 'Add Folder…', accelerator: 'CmdOrCtrl+O', click: () => actions.addFolder() },
        { type: 'separator' },
        isMac ? { role: 'close' } : { role: 'quit' },
      ],
    },
    { role: 'editMenu' },
    {
      label: 'Go',
      submenu: [
        go('1', 'Search'),
        go('2', 'Library'),
        go('3', 'Tagging'),
        go('4', 'Fine-tuning'),
        go('5', 'Models'),
      ],
    },
    {
      label: 'View',
      submenu: [
        { role: 'reload' },
        ...(app.isPackaged ? [] : [{ role: 'toggleDevTools' } as MenuItemConstructorOptions]),
        { type: 'separator' },
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
      ],
    },
    { role: 'windowMenu' },
    {
      role: 'help',
      submenu: [
        {
          label: 'Where Lookbook keeps its data',
          click: () => void shell.openPath(app.getPath('userData')),
        },
      ],
    },
  ];
  return Menu.buildFromTemplate(template);
}
