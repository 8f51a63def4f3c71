// Watcher memory and time to ready on a generated tree of small files: chokidar (as Lookbook configured
// it, and with nothing but events) against @parcel/watcher (what main/library/watcher.ts uses now).
// Each watcher runs in a fresh process; "above idle" is its RSS once ready minus the RSS of the same
// process, libraries loaded, before it started watching.
//
//   node --import tsx bench/watcher-memory.ts [files …]      (default: 20000 100000)
//
// The trees (100 files a folder, 60-byte .jpg placeholders: a watcher never reads them) are cached under
// bench/out/watch-trees/. Run under `nice -n 10` on a shared machine; the load average is printed.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PER_FOLDER = 100;
const KINDS = ['chokidar-as-configured', 'chokidar-events-only', 'parcel'] as const;
type Kind = (typeof KINDS)[number];

function tree(files: number): string {
  const dir = join(fileURLToPath(new URL('.', import.meta.url)), 'out', 'watch-trees', String(files));
  if (existsSync(join(dir, '.done'))) return dir;
  const bytes = Buffer.alloc(60, 1);
  for (let i = 0; i < files; i++) {
    const folder = join(dir, `album-${Math.floor(i / PER_FOLDER)}`);
    if (i % PER_FOLDER === 0) mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, `photo-${i}.jpg`), bytes);
  }
  writeFileSync(join(dir, '.done'), '');
  return dir;
}

const mb = (bytes: number) => Math.round(bytes / 2 ** 20);

/** In the child: watch `dir` with one kind of watcher and print what it cost. */
async function measure(kind: Kind, dir: string): Promise<void> {
  const chokidar = await import('chokidar');
  const parcel = await import('@parcel/watcher');
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  await new Promise((r) => setTimeout(r, 200));
  const idle = process.memoryUsage().rss;
  const started = performance.now();
  let close: () => Promise<void>;
  if (kind === 'parcel') {
    const sub = await parcel.subscribe(dir, () => undefined);
    close = () => sub.unsubscribe();
  } else {
    const watcher = chokidar.watch(dir, {
      ignoreInitial: true,
      ignored: (path: string) => path.includes('/.'),
      followSymlinks: false,
      ...(kind === 'chokidar-as-configured'
        ? { awaitWriteFinish: { stabilityThreshold: 1000, pollInterval: 100 } }
        : {}),
    });
    await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
    close = () => watcher.close();
  }
  const readyMs = performance.now() - started;
  gc?.();
  await new Promise((r) => setTimeout(r, 500));
  const ready = process.memoryUsage().rss;
  process.stdout.write(JSON.stringify({ idleMb: mb(idle), aboveIdleMb: mb(ready - idle), readyMs }) + '\n');
  await close();
}

if (process.argv[2] === '--child') {
  await measure(process.argv[3] as Kind, process.argv[4]!);
} else {
  const counts = process.argv.slice(2).map(Number);
  const sizes = counts.length ? counts : [20_000, 100_000];
  console.log(
    `load average before: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  console.log('| files | watcher | RSS above idle | ready in |');
  console.log('| ---: | --- | ---: | ---: |');
  for (const files of sizes) {
    const dir = tree(files);
    for (const kind of KINDS) {
      const child = spawnSync(
        process.execPath,
        ['--expose-gc', '--import', 'tsx', fileURLToPath(import.meta.url), '--child', kind, dir],
        { encoding: 'utf8', maxBuffer: 1 << 20 },
      );
      const line = child.stdout.trim().split('\n').pop() ?? '';
      if (child.status !== 0 || !line.startsWith('{')) {
        console.log(`| ${files} | ${kind} | failed: ${child.stderr.trim().split('\n').pop()} | |`);
        continue;
      }
      const r = JSON.parse(line) as { aboveIdleMb: number; readyMs: number };
      console.log(`| ${files} | ${kind} | ${r.aboveIdleMb} MB | ${(r.readyMs / 1000).toFixed(1)} s |`);
    }
  }
  console.log(
    `load average after: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
}
