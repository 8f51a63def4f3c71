// `lookbook duplicates [list]`: the groups of duplicates (identical files and near copies), largest
// saving first, each with the copy it proposes to keep and why. `list` is the default subcommand, so
// `lookbook duplicates --folder DIR` lists; `resolve`, `undo` (and `lookbook trash`) join this command.
import { relative } from 'node:path';
import type { Command } from 'commander';
import type { DuplicateStrictness, FindOptions, FoundGroup } from '../../duplicates/duplicate-finder.js';
import { UserError } from '../../errors.js';
import { formatBytes } from '../../format-bytes.js';
import { withCore } from '../command-helpers.js';
import { count, out, printJsonLines } from '../output.js';

const STRICTNESS: readonly DuplicateStrictness[] = ['strict', 'normal', 'loose'];

/** --threshold: a strictness by name, or a similarity from 0 to 1. */
export function parseThreshold(value: string): Pick<FindOptions, 'strictness' | 'threshold'> {
  if (STRICTNESS.includes(value as DuplicateStrictness)) return { strictness: value as DuplicateStrictness };
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0 || n > 1)
    throw new UserError(`--threshold is strict, normal, loose or a similarity from 0 to 1, got '${value}'`);
  return { threshold: n };
}

export interface DuplicateScopeFlags {
  folder?: string;
  album?: string;
  threshold?: string;
}

/** The finder's options from the flags every duplicates subcommand shares. */
export function scopeFrom(flags: DuplicateScopeFlags): FindOptions {
  return {
    ...(flags.folder ? { folder: flags.folder } : {}),
    ...(flags.album ? { album: flags.album } : {}),
    ...(flags.threshold ? parseThreshold(flags.threshold) : {}),
  };
}

/** Adds --folder, --album and --threshold to a duplicates subcommand. */
export function withScopeOptions(cmd: Command): Command {
  return cmd
    .option('--folder <dir>', 'only copies under this folder')
    .option('--album <name>', 'only photos of this album')
    .option(
      '--threshold <level>',
      'how alike copies must be: strict, normal (default), loose, or a similarity from 0 to 1',
    );
}

/** A group as --json prints it: one line per group, the keeper first. */
function groupRecord(g: FoundGroup) {
  return {
    id: g.id,
    kind: g.kind,
    keeper: g.keeperPath,
    reason: g.reason,
    savingBytes: g.savingBytes,
    copies: g.copies.map((c) => ({
      path: c.path,
      contentId: c.contentId,
      sizeBytes: c.size,
      width: c.width,
      height: c.height,
      format: c.format,
      similarity: c.similarity,
    })),
  };
}

function printGroup(g: FoundGroup, cwd: string): void {
  const shown = (p: string) => (p.startsWith(cwd) ? relative(cwd, p) || p : p);
  const kind = g.kind === 'exact' ? 'identical files' : 'near copies';
  out(`${g.id}  ${count(g.copies.length, 'copy', 'copies')}, ${kind}, ${formatBytes(g.savingBytes)} to save`);
  out(`  keep    ${shown(g.keeperPath)}`);
  for (const c of g.copies.slice(1)) {
    const size = c.width && c.height ? `${c.width}×${c.height}` : '?';
    out(`  others  ${shown(c.path)}  (${size} ${(c.format ?? '').toUpperCase()}, ${formatBytes(c.size)})`);
  }
  out(`  ${g.reason}`);
}

export function registerDuplicateCommands(program: Command): void {
  const duplicates = program
    .command('duplicates')
    .description('identical files and near copies of one photo: find them, keep the best');

  withScopeOptions(
    duplicates
      .command('list', { isDefault: true })
      .description('the groups of duplicates, largest saving first, with the copy to keep and why'),
  )
    .option('--json', 'one JSON object per group')
    .action(async (flags: DuplicateScopeFlags & { json?: boolean }, cmd: Command) =>
      withCore(cmd, async (core) => {
        const groups = await core.duplicates().find(scopeFrom(flags));
        if (flags.json) return printJsonLines(groups.map(groupRecord));
        if (groups.length === 0) {
          out('No duplicates found.');
          return;
        }
        const cwd = process.cwd();
        for (const g of groups) {
          printGroup(g, cwd);
          out();
        }
        const saving = groups.reduce((s, g) => s + g.savingBytes, 0);
        out(
          `${count(groups.length, 'group')}, ${formatBytes(saving)} to save. ` +
            '`lookbook duplicates resolve` moves the others to the trash (undo brings them back).',
        );
      }),
    );
}
