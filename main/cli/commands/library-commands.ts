// `lookbook folders add|remove|list`, `lookbook index [--watch]`, `lookbook search`, `lookbook similar`,
// `lookbook status`.
import { resolve } from 'node:path';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { numberIn, withCore } from '../command-helpers.js';
import { UserError } from '../../errors.js';
import { logWarning } from '../../log.js';
import type { Core } from '../../core/open-core.js';
import { absoluteUserPath } from '../../user-path.js';
import type { Library } from '../../library/library.js';
import { isUnder } from '../../paths.js';
import type { ExplainedSearchResponse } from '../../search/photo-search.js';
import { labelKey } from '../../tagging/vocabulary.js';
import type { FolderInfo, SearchOptions, SearchResult, SortOrder } from '../../library/types.js';
import { count, out, printJsonDocument, printJsonLines } from '../output.js';

function printFolders(folders: FolderInfo[]): void {
  if (folders.length === 0) {
    out('No folders yet: `lookbook folders add PATH`.');
    return;
  }
  for (const f of folders) {
    const notes = [
      count(f.photoCount, 'photo'),
      ...(f.exists ? [] : ['MISSING']),
      ...f.excluded.map((e) => `excluding ${e}`),
      ...f.patterns.map((p) => `excluding '${p}'`),
    ];
    out(`${f.path}  (${notes.join(', ')})`);
  }
}

// What a person can do about each reason, on the command line.
const EMPTY_HINTS: Partial<Record<string, string>> = {
  'no-folders': '`lookbook folders add PATH`, then `lookbook index`.',
  'not-indexed': '`lookbook index` indexes them.',
  filtered: 'Search again without --folder, --after, --before, --format or --tag to see them.',
  'unknown-words': '`lookbook models pull` installs a real model.',
};

function printResults(response: ExplainedSearchResponse, asJson: boolean): void {
  if (asJson) {
    printJsonLines(response.items);
    // stdout stays one JSON object per result; the reason for none goes where notices go.
    for (const r of response.emptyReasons ?? []) logWarning(r.message);
    return;
  }
  if (response.items.length === 0) {
    out(response.offset > 0 && response.total > 0 ? 'No more matching photos.' : 'No matching photos.');
    for (const r of response.emptyReasons ?? []) {
      out(r.message);
      const hint = EMPTY_HINTS[r.kind];
      if (hint) out(`  ${hint}`);
    }
    return;
  }
  for (const r of response.items as SearchResult[]) {
    const score = r.score === null ? '' : `${r.score.toFixed(3)}  `;
    const date = r.takenAt ? r.takenAt.slice(0, 10) : '';
    out(`${score}${r.path}  ${date}`);
  }
  const shown = response.offset + response.items.length;
  if (shown < response.total) out(`… ${response.total - shown} more (--offset ${shown})`);
}

interface SearchFlags {
  limit: number;
  offset: number;
  json?: boolean;
  folder?: string;
  after?: string;
  before?: string;
  sort?: string;
  all?: boolean;
  format?: string[];
  tag?: string[];
  album?: string;
}

/**
 * Filters that cannot match anything are most likely typos: a --folder outside every library folder,
 * a --tag no photo carries. Said on stderr before the search (which then finds nothing for them).
 */
async function warnAboutFilters(core: Core, options: SearchOptions): Promise<void> {
  if (options.folder) {
    const folder = options.folder;
    const folders = await core.library.listFolders();
    const related = folders.some((f) => isUnder(folder, f.path) || isUnder(f.path, folder));
    if (!related)
      logWarning(
        `${folder} is not in any library folder, so no photo can match --folder (see \`lookbook folders list\`)`,
      );
  }
  if (options.tags?.length) {
    const known = new Set((await core.tagging().facets()).map((f) => labelKey(f.label)));
    const unknown = options.tags.filter((t) => !known.has(labelKey(t)));
    if (unknown.length)
      logWarning(
        `no photo has the tag${unknown.length === 1 ? '' : 's'} ${unknown.map((t) => `'${t}'`).join(', ')} (see \`lookbook tags list\`)`,
      );
  }
}

function searchOptions(flags: SearchFlags): SearchOptions {
  const sorts: Record<string, SortOrder> = {
    relevance: 'relevance',
    date: 'date-desc',
    'date-desc': 'date-desc',
    'date-asc': 'date-asc',
  };
  const sort = flags.sort ? sorts[flags.sort] : undefined;
  if (flags.sort && !sort)
    throw new UserError(`--sort must be relevance, date or date-asc, got '${flags.sort}'`);
  return {
    limit: flags.limit,
    offset: flags.offset,
    folder: flags.folder ? resolve(flags.folder) : undefined,
    after: flags.after,
    before: flags.before,
    sort,
    all: flags.all,
    formats: flags.format,
    tags: flags.tag,
    // By name or id: the album filter takes either.
    album: flags.album,
  };
}

function addSearchFlags(cmd: Command): Command {
  return cmd
    .option('--limit <n>', 'results per page', numberIn('--limit', 1, 100_000, true), 20)
    .option('--offset <n>', 'skip this many results', numberIn('--offset', 0, 1e9, true), 0)
    .option('--json', 'one JSON object per result (path, score, metadata)')
    .option('--folder <folder>', 'only photos under this folder')
    .option('--after <date>', 'only photos taken on or after this date (YYYY-MM-DD)')
    .option('--before <date>', 'only photos taken before this date (YYYY-MM-DD)')
    .option('--sort <order>', 'relevance (default), date (newest first) or date-asc')
    .option('--format <format...>', 'only these formats (jpeg, png, heic, … or an extension: jpg)')
    .option('--tag <tag...>', 'only photos with these tags')
    .option('--album <album>', 'only photos in this album (its name or id)')
    .option('--all', 'no relevance cut-off: every photo, ranked');
}

/**
 * Ctrl+C (or SIGTERM) during a command that indexes: the library stops its scan and its indexer at the
 * next file, gives the lock back and the command ends (exit code 130). A second signal, or a stop that
 * takes longer than a few seconds, ends the process at once: the database is safe against a kill at any
 * moment (the files not yet written are redone by the next run).
 */
function stopOnSignals(library: Library): { stopped(): boolean; wait(): Promise<void>; dispose(): void } {
  let stopped = false;
  let wake: () => void = () => undefined;
  const waiting = new Promise<void>((resolve) => (wake = resolve));
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopped) process.exit(130);
    stopped = true;
    process.exitCode = 130;
    logWarning(`${signal === 'SIGINT' ? 'Ctrl+C' : signal}: stopping…`);
    setTimeout(() => process.exit(130), 3000).unref();
    wake();
    void library.close().catch(() => undefined);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    stopped: () => stopped,
    wait: () => waiting,
    dispose() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

async function runIndex(library: Library, watch: boolean): Promise<void> {
  const signals = stopOnSignals(library);
  try {
    await indexAndWatch(library, watch, signals);
  } finally {
    signals.dispose();
  }
}

async function indexAndWatch(
  library: Library,
  watch: boolean,
  signals: ReturnType<typeof stopOnSignals>,
): Promise<void> {
  // A library with no folders still reconciles: photos left from removed folders are removed.
  const noFolders = (await library.listFolders()).length === 0;
  const interactive = process.stderr.isTTY === true;
  const bar = new cliProgress.SingleBar(
    {
      format: '{bar} {value}/{total} photos | {ips} img/s | ETA {eta_formatted} | {failed} failed',
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: true,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  const unsubscribe = library.onProgress((p) => {
    if (!interactive || p.phase === 'scanning') return;
    if (!started && p.total > 0) {
      bar.start(p.total, 0, { ips: '0', failed: 0 });
      started = true;
    }
    if (started) {
      bar.setTotal(p.total);
      bar.update(p.done, { ips: p.imagesPerSecond.toFixed(1), failed: p.failed });
      if (p.phase === 'done') {
        bar.stop();
        started = false;
      }
    }
  });
  const stats = watch && !noFolders ? await library.startWatching() : await library.index();
  if (started) bar.stop();
  if (signals.stopped()) {
    unsubscribe();
    throw new UserError('stopped; the next `lookbook index` goes on from where this one stopped', 'stopped');
  }
  if (noFolders) {
    if (stats.removed > 0)
      out(`Removed ${count(stats.removed, 'file')} of folders no longer in the library.`);
    out('The library has no folders: `lookbook folders add PATH` to add one.');
    unsubscribe();
    return;
  }
  if (stats.encoded + stats.reused + stats.failed + stats.removed === 0) {
    out(`Up to date: ${count((await library.status()).photoCount, 'photo')}.`);
  } else {
    out(
      `Indexed: ${stats.encoded} new, ${stats.reused} already known (copies, moves, unchanged), ` +
        `${stats.failed} failed, ${stats.removed} removed ` +
        `(${stats.seconds.toFixed(1)} s` +
        (stats.encoded > 0
          ? `, ${stats.imagesPerSecond.toFixed(1)} photos/s, model ${stats.modelImagesPerSecond.toFixed(1)} img/s).`
          : ').'),
    );
  }
  if (stats.failed > 0) out('See `lookbook status` for the reasons.');
  if (!watch) {
    unsubscribe();
    return;
  }
  out('Watching for changes; Ctrl+C to stop.');
  // What keeps watching from being complete (folders past the system's limit, a watch error): said once
  // each, on stderr.
  let lastMessage = (await library.status()).watchWarning;
  if (lastMessage) logWarning(lastMessage);
  const notices = library.onProgress((p) => {
    if (!p.message || p.message === lastMessage) return;
    lastMessage = p.message;
    logWarning(p.message);
  });
  // One line per batch of changes, and the reason for each photo that could not be read.
  const quiet = library.onProgress((p) => {
    if (p.phase !== 'done' || (p.total === 0 && !p.removed)) return;
    const parts = [`${count(p.done - p.failed, 'photo')} indexed`];
    if (p.failed) parts.push(`${p.failed} failed`);
    if (p.removed) parts.push(`${p.removed} removed`);
    out(`${new Date().toLocaleTimeString()}  ${parts.join(', ')}`);
    for (const f of p.failures) out(`  [${f.code}] ${f.reason}`);
  });
  await signals.wait();
  quiet();
  notices();
  unsubscribe();
  await library.stopWatching();
}

export function registerLibraryCommands(program: Command): void {
  const folders = program.command('folders').description('the folders the library watches');
  folders
    .command('add <path>')
    .description('add a folder (with its subfolders) to the library')
    .option('--exclude <pattern...>', "glob-like patterns or sub-paths to leave out ('*.tmp', 'Private')")
    .action(async (path: string, flags: { exclude?: string[] }, cmd: Command) => {
      await withCore(cmd, async ({ library }) => {
        // A relative path is the person's own: relative to the folder the command runs in.
        const folder = absoluteUserPath(path, { relativeTo: process.cwd() });
        printFolders(await library.addFolder(folder, { patterns: flags.exclude ?? [] }));
        out('Run `lookbook index` to index it.');
      });
    });
  folders
    .command('remove <path>')
    .description('remove a folder from the library (the files stay on disk)')
    .action(async (path: string, _flags: unknown, cmd: Command) => {
      await withCore(cmd, async ({ library }) => printFolders(await library.removeFolder(path)));
    });
  folders
    .command('list')
    .description('list the library folders')
    .option('--json', 'one JSON object per folder and line')
    .action(async (flags: { json?: boolean }, cmd: Command) => {
      await withCore(cmd, async ({ library }) => {
        const list = await library.listFolders();
        if (flags.json) printJsonLines(list);
        else {
          printFolders(list);
          // A shared library's folders that another computer added: listed by `roots list`, not here.
          const elsewhere = (await library.listRoots()).filter((r) => r.path === null);
          if (elsewhere.length > 0)
            out(
              `Not on this computer yet: ${elsewhere.map((r) => r.name).join(', ')} (\`lookbook roots list\`, then \`lookbook roots map ROOT PATH\`).`,
            );
        }
      });
    });

  program
    .command('index')
    .description('index new and changed photos in the library folders')
    .option('--watch', 'keep watching the folders for changes')
    .option('--threads <n>', 'model threads', numberIn('--threads', 1, 256, true))
    .action(async (flags: { watch?: boolean; threads?: number }, cmd: Command) => {
      await withCore(cmd, (core) => runIndex(core.library, flags.watch === true), {
        threads: flags.threads,
      });
    });

  addSearchFlags(
    program.command('search <query...>').description('search photos by text ("beach +sunset -people")'),
  ).action(async (words: string[], flags: SearchFlags, cmd: Command) => {
    const options = searchOptions(flags);
    await withCore(cmd, async (core) => {
      await warnAboutFilters(core, options);
      printResults(await core.search.search(words.join(' '), options), flags.json === true);
    });
  });

  addSearchFlags(
    program
      .command('similar <photo>')
      .description('photos similar to a library photo (path or id) or an image file'),
  ).action(async (photo: string, flags: SearchFlags, cmd: Command) => {
    const options = searchOptions(flags);
    await withCore(cmd, async (core) => {
      await warnAboutFilters(core, options);
      printResults(await core.search.similar(photo, options), flags.json === true);
    });
  });

  program
    .command('status')
    .description('photos, failures with reasons, the model and device in use')
    .option('--json', 'as JSON')
    .action(async (flags: { json?: boolean }, cmd: Command) => {
      await withCore(cmd, async (core) => {
        const s = await core.status();
        if (flags.json) {
          printJsonDocument(s);
          return;
        }
        out(`Library: ${s.dataDir}`);
        out(`Model: ${s.model.name} (${s.model.id}, ${s.model.embedDim} dims) on ${s.device.provider}`);
        if (s.device.fallbackReason) out(`  ${s.device.fallbackReason}`);
        if (s.notice) out(s.notice);
        if (s.searchModel !== s.model.id)
          out(`Search uses ${s.searchModel} until ${s.model.id} has indexed everything.`);
        out(
          `Photos: ${s.photoCount} (${s.files.indexed} files indexed, ${s.files.failed} failed, ` +
            `${s.files.unsupported} unsupported, ${s.files.skipped} not photos)`,
        );
        out(`Vectors: ${s.vectors.indexed}/${s.vectors.total}${s.annIndex ? ' (ANN index)' : ''}`);
        out('Folders:');
        printFolders(s.folders);
        if (s.failures.length) {
          out('Problems:');
          for (const f of s.failures) out(`  [${f.code}] ${f.reason}`);
        }
      });
    });
}
