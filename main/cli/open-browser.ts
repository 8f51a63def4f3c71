// `lookbook serve --open`: the link opened in the default browser, with the system's own opener
// (open on macOS, xdg-open on Linux, the URL handler on Windows), run directly (no shell: the link is
// one argument, never parsed). LOOKBOOK_BROWSER names another program to run with the link, for people
// who want a particular browser, and for tests, which must not launch one.
import { spawn } from 'node:child_process';

function opener(url: string): { command: string; args: string[] } {
  const custom = process.env.LOOKBOOK_BROWSER;
  if (custom) return { command: custom, args: [url] };
  if (process.platform === 'darwin') return { command: 'open', args: [url] };
  if (process.platform === 'win32')
    return { command: 'rundll32.exe', args: ['url.dll,FileProtocolHandler', url] };
  return { command: 'xdg-open', args: [url] };
}

/**
 * Starts the browser on `url` and does not wait for it. Resolves with a sentence when it could not be
 * started (no opener installed): the caller says so, and the printed link still works.
 */
export function openInBrowser(url: string): Promise<string | undefined> {
  const { command, args } = opener(url);
  return new Promise((resolve) => {
    const child = spawn(command, args, { detached: true, stdio: 'ignore' });
    child.once('error', (e) => resolve(`could not open a browser with ${command} (${e.message})`));
    child.once('spawn', () => {
      child.unref();
      resolve(undefined);
    });
  });
}
