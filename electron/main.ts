// The Electron shell: one window, one instance, the core in a utility process, and nothing else.
// Everything Lookbook does lives in main/ (the core) and renderer/ (the UI); this file wires them.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BrowserWindow, Menu, app, dialog } from 'electron';
import { handleSchemes, registerSchemes } from './app-protocols.js';
import { startCore } from './core-client.js';
import type { CoreClient } from './core-client.js';
import { addFolderWithDialog, registerIpc } from './ipc.js';
import { buildMenu } from './menu.js';
import { APP_ORIGIN, lockDown } from './security.js';
import { loadWindowState, trackWindowState } from './window-state.js';

const here = fileURLToPath(new URL('.', import.meta.url));
// Compiled layout: dist/electron/electron/{main.js,preload.cjs,core-process.js}; the renderer is built
// to dist/renderer.
const PRELOAD = join(here, 'preload.cjs');
const CORE = join(here, 'core-process.js');
const ROOT = join(here, '..', '..', '..');
const RENDERER = join(ROOT, 'dist', 'renderer');

let win: BrowserWindow | undefined;
let core: CoreClient | undefined;

registerSchemes();

if (!app.requestSingleInstanceLock()) {
  // Another Lookbook is running: it gets focus (second-instance below), this one leaves.
  app.quit();
} else {
  app.on('second-instance', () => {
    if (!win) return;
    if (win.isMinimized()) win.restore();
    win.focus();
  });

  app.whenReady().then(start, (e) => {
    dialog.showErrorBox('Lookbook could not start', String(e));
    app.quit();
  });
}

function createWindow(): BrowserWindow {
  const state = loadWindowState(app.getPath('userData'));
  const w = new BrowserWindow({
    ...(state.placed ? state.bounds : { width: state.bounds.width, height: state.bounds.height }),
    minWidth: 800,
    minHeight: 560,
    show: false,
    title: 'Lookbook',
    icon: join(ROOT, 'assets', 'icon.png'),
    backgroundColor: '#161615',
    webPreferences: {
      preload: PRELOAD,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
    },
  });
  if (state.maximized) w.maximize();
  trackWindowState(w, app.getPath('userData'));
  w.once('ready-to-show', () => w.show());
  void w.loadURL(`${APP_ORIGIN}/index.html`);
  return w;
}

async function start(): Promise<void> {
  lockDown();
  const dataDir = process.env.LOOKBOOK_DATA_DIR ?? app.getPath('userData');
  core = startCore(CORE, { dataDir });
  handleSchemes(RENDERER, core);
  registerIpc(core);
  Menu.setApplicationMenu(
    buildMenu({ addFolder: () => core && void addFolderWithDialog(core, win), window: () => win }),
  );
  win = createWindow();
  win.on('closed', () => (win = undefined));
  core.ready.catch((e: Error) => {
    dialog.showErrorBox('Lookbook could not open your library', e.message);
  });
}

app.on('activate', () => {
  if (!win && app.isReady() && core) win = createWindow();
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});

let quitting = false;
app.on('before-quit', (e) => {
  if (quitting || !core) return;
  // Let the core finish its current write before the process goes.
  e.preventDefault();
  quitting = true;
  void core.close().finally(() => app.quit());
});
