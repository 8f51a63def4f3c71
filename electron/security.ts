// Locks every web contents down: no navigation away from the app, no new windows, no webviews, no
// permissions (camera, notifications…), and only the app's own pages may use the IPC bridge.
import { app, session, shell } from 'electron';
import type { IpcMainInvokeEvent } from 'electron';
import { contentSecurityPolicy } from '../main/api/content-security-policy.js';

export const APP_ORIGIN = 'lookbook-app://app';

export const CSP = contentSecurityPolicy(['lookbook-media:']);

export function isAppUrl(url: string): boolean {
  return url === APP_ORIGIN || url.startsWith(`${APP_ORIGIN}/`);
}

/** IPC from anything but the app's own top-level page (an iframe, a navigated page) is refused. */
export function isTrustedSender(event: IpcMainInvokeEvent): boolean {
  const frame = event.senderFrame;
  return frame !== null && frame.parent === null && isAppUrl(frame.url);
}

export function lockDown(): void {
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-navigate', (e, url) => {
      if (!isAppUrl(url)) e.preventDefault();
    });
    contents.on('will-redirect', (e, url) => {
      if (!isAppUrl(url)) e.preventDefault();
    });
    contents.on('will-attach-webview', (e) => e.preventDefault());
    contents.setWindowOpenHandler(({ url }) => {
      // Links to the web (a model's homepage) open in the user's browser, never inside the app.
      if (/^https:\/\//.test(url)) void shell.openExternal(url);
      return { action: 'deny' };
    });
  });
}
