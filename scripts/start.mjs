// `npm start`: the Electron app. Where Electron's binary is not installed (it is downloaded by the
// electron package's install script, which needs the network), it says so and starts the web mode
// (`lookbook serve`) instead, building the interface first if needed. Arguments are passed on.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { electronBinary } from './electron-binary.mjs';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const args = process.argv.slice(2);

function run(command, commandArgs) {
  const r = spawnSync(command, commandArgs, {
    cwd: root,
    stdio: 'inherit',
    shell: process.platform === 'win32',
  });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

/**
 * Electron 45 fetches its binary on first run rather than at `npm install`: do that first run here, so a
 * machine with network gets the desktop app. Returns the reason when it fails (offline, blocked).
 */
function downloadElectron() {
  process.stderr.write('lookbook: fetching the Electron binary (first run only)…\n');
  const r = spawnSync(process.execPath, [join(root, 'node_modules', 'electron', 'install.js')], {
    cwd: root,
    encoding: 'utf8',
    timeout: 15 * 60_000,
  });
  if (r.status === 0 && electronBinary(root)) return undefined;
  const text = `${r.stderr ?? ''}\n${r.stdout ?? ''}`;
  const reason = text.split('\n').find((l) => /error|ENOTFOUND|ECONN|EAI_AGAIN|fetch failed/i.test(l));
  return (reason ?? (r.error ? String(r.error) : `exit code ${r.status}`)).trim();
}

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
// onnxruntime's telemetry off in the app from its first instruction (main/engine/ort-privacy.ts): the
// Electron app and the web mode each get it in their environment, and pass it on.
const appEnv = { ...process.env, ORT_DISABLE_TELEMETRY: '1' };
const wantWeb = process.env.LOOKBOOK_WEB === '1';
let electron = wantWeb ? undefined : electronBinary(root);
let downloadFailure;
if (!wantWeb && !electron && existsSync(join(root, 'node_modules', 'electron', 'install.js'))) {
  downloadFailure = downloadElectron();
  electron = electronBinary(root);
}

if (electron) {
  run(npm, ['run', '--silent', 'build:renderer']);
  run(process.execPath, [join(root, 'scripts', 'build-core.mjs'), '--if-stale']);
  const child = spawn(electron, [root, ...args], { cwd: root, stdio: 'inherit', env: appEnv });
  child.on('exit', (code) => process.exit(code ?? 0));
} else {
  process.stderr.write(
    wantWeb
      ? 'lookbook: LOOKBOOK_WEB=1: starting the web mode.\n'
      : `lookbook: the desktop app needs Electron's binary, which could not be downloaded${
          downloadFailure ? ` (${downloadFailure})` : ''
        }.\n` +
          '  Starting the web mode instead: open the address below in your browser.\n' +
          '  `npm start` tries the download again each time; it needs network access once.\n\n',
  );
  // `lookbook serve` builds the interface when dist/renderer is missing; bin/lookbook.js runs the
  // compiled core when it is up to date, the sources otherwise.
  const child = spawn(process.execPath, [join(root, 'bin', 'lookbook.js'), 'serve', ...args], {
    cwd: root,
    stdio: 'inherit',
    env: appEnv,
  });
  const forward = (signal) => child.kill(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  child.on('exit', (code) => process.exit(code ?? 0));
}
