// The main window's size, position and maximised state, remembered between launches in userData.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { screen } from 'electron';
import type { BrowserWindow, Rectangle } from 'electron';

export interface WindowState {
  bounds: Rectangle;
  maximized: boolean;
}

const DEFAULT: WindowState = { bounds: { x: 0, y: 0, width: 1280, height: 820 }, maximized: false };

export function loadWindowState(userData: string): WindowState & { placed: boolean } {
  try {
    const raw = JSON.parse(readFileSync(join(userData, 'window-state.json'), 'utf8')) as Partial<WindowState>;
    const b = raw.bounds;
    if (!b || ![b.x, b.y, b.width, b.height].every((n) => Number.isFinite(n))) throw new Error('invalid');
    // Only reuse a position that is still on a connected display (a monitor may have been unplugged).
    const visible = screen.getAllDisplays().some((d) => {
      const a = d.workArea;
      return b.x + 100 > a.x && b.y + 50 > a.y && b.x < a.x + a.width - 100 && b.y < a.y + a.height - 50;
    });
    const bounds = { ...b, width: Math.max(800, b.width), height: Math.max(560, b.height) };
    return { bounds, maximized: Boolean(raw.maximized), placed: visible };
  } catch {
    return { ...DEFAULT, placed: false };
  }
}

export function trackWindowState(win: BrowserWindow, userData: string): void {
  const file = join(userData, 'window-state.json');
  let timer: NodeJS.Timeout | undefined;
  const save = () => {
    if (win.isDestroyed()) return;
    const state: WindowState = { bounds: win.getNormalBounds(), maximized: win.isMaximized() };
    try {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, JSON.stringify(state));
    } catch {
      // Not remembering the window is no reason to bother anyone.
    }
  };
  const soon = () => {
    clearTimeout(timer);
    timer = setTimeout(save, 400);
  };
  win.on('resize', soon);
  win.on('move', soon);
  win.on('maximize', soon);
  win.on('unmaximize', soon);
  win.on('close', () => {
    clearTimeout(timer);
    save();
  });
}
