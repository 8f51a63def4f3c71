// `lookbook serve [--port P] [--open]`: the web mode. Listens on 127.0.0.1 only and prints a link with a
// secret token that is new at every launch; only someone who has the link can use the library.
// --open also opens the link in the default browser.
import type { Command } from 'commander';
import { UserError } from '../../errors.js';
import { resolveDataDir } from '../../host/data-dir.js';
import { DEVICE_REQUESTS, isDeviceRequest } from '../../engine/device.js';
import { logWarning } from '../../log.js';
import { startWebMode } from '../../server/serve.js';
import { openInBrowser } from '../open-browser.js';
import { storeOf } from '../command-helpers.js';

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new UserError(`--port must be 0–65535, got '${value}'`);
  return n;
}

export function registerServeCommands(program: Command): void {
  program
    .command('serve')
    .description(
      'run Lookbook for your browser: prints a link to open (on this computer only; the link holds a secret)',
    )
    .option('--open', 'also open the link in your default browser')
    .option('-p, --port <port>', 'port to listen on (0: any free port)', port, 7461)
    .option('--model <model>', 'model for this run (default: the active model)')
    .option('--device <device>', `${DEVICE_REQUESTS.join(', ')} (default: auto)`)
    .action(async (opts: { port: number; open?: boolean; model?: string; device?: string }, cmd: Command) => {
      const device = opts.device;
      if (device !== undefined && !isDeviceRequest(device)) {
        throw new UserError(`--device must be one of ${DEVICE_REQUESTS.join(', ')}`);
      }
      const dataDir = resolveDataDir(cmd.optsWithGlobals<{ dataDir?: string }>().dataDir);
      let web;
      try {
        web = await startWebMode({
          dataDir,
          ...(storeOf(cmd) ? { store: storeOf(cmd) } : {}),
          port: opts.port,
          ...(opts.model ? { model: opts.model } : {}),
          ...(device ? { device } : {}),
        });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') {
          throw new UserError(`port ${opts.port} is in use; try --port 0 for any free port`, 'port-in-use');
        }
        throw e;
      }
      process.stdout.write(
        `Lookbook is running. Open this link in your browser (it contains a secret; do not share it):\n\n  ${web.server.url}\n\nData: ${dataDir}\nPress Ctrl+C to stop.\n`,
      );
      if (opts.open) {
        const problem = await openInBrowser(web.server.url);
        if (problem) logWarning(`${problem}; open the link above yourself`);
      }
      await new Promise<void>((resolveStop) => {
        const stop = () => resolveStop();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      process.stdout.write('Stopping…\n');
      await web.close();
    });
}
