// `lookbook duplicates resolve|undo` and `lookbook trash list|restore|empty`: moving the copies that are
// not kept into Lookbook's trash (inside the data directory), putting them back, and emptying it.
// `duplicates` itself (the listing) and its scope flags are duplicate-commands.ts's.
import type { Command } from 'commander';
import { resolveFound, type ResolutionView } from '../../duplicates/resolver.js';
import { formatBytes } from '../../format-bytes.js';
import { withCore } from '../command-helpers.js';
import { scopeFrom, withScopeOptions, type DuplicateScopeFlags } from './duplicate-commands.js';
import { count, out, printJsonDocument, printJsonLines } from '../output.js';

function printResolution(r: ResolutionView, dryRun: boolean): void {
  if (r.moved.length === 0) out(dryRun ? 'Nothing would move.' : 'Nothing was moved.');
  else if (dryRun)
    out(`Would move ${count(r.moved.length, 'copy', 'copies')} to the trash (a dry run: nothing moved):`);
  else out(`Moved ${count(r.moved.length, 'copy', 'copies')} to the trash:`);
  for (const m of r.moved) out(dryRun ? `  ${m.from}` : `  ${m.from}  →  ${m.to}`);
  if (r.skipped.length > 0) {
    out(`Left alone (${r.skipped.length}):`);
    for (const s of r.skipped) out(`  ${s.path}: ${s.reason}`);
  }
  if (!dryRun && r.moved.length > 0) out(`To put them back: lookbook duplicates undo ${r.id}`);
}

interface ResolveFlags extends DuplicateScopeFlags {
  dryRun?: boolean;
  group?: string[];
  json?: boolean;
}

export function registerTrashCommands(program: Command): void {
  // `duplicates` is registered first (cli.ts), by duplicate-commands.ts.
  const duplicates = program.commands.find((c) => c.name() === 'duplicates');
  if (!duplicates) throw new Error('registerDuplicateCommands must run before registerTrashCommands');

  withScopeOptions(
    duplicates
      .command('resolve')
      .description("move every copy but the one kept to Lookbook's trash (undo puts them back)")
      .option('--dry-run', 'only say what would move')
      .option('--group <id...>', 'only these groups (ids from `lookbook duplicates`)'),
  )
    .option('--json', 'what moved, as one JSON document')
    .action(async (flags: ResolveFlags, cmd: Command) =>
      withCore(cmd, async (core) => {
        const r = await resolveFound(core.duplicates(), core.resolver(), {
          ...scopeFrom(flags),
          ...(flags.group ? { groupIds: flags.group } : {}),
          ...(flags.dryRun ? { dryRun: true } : {}),
        });
        if (flags.json) return printJsonDocument(r);
        printResolution(r, flags.dryRun === true);
      }),
    );

  duplicates
    .command('undo [resolution]')
    .description('put back what a resolve moved (the latest by default)')
    .option('--json', 'what came back, as one JSON document')
    .action(async (id: string | undefined, flags: { json?: boolean }, cmd: Command) =>
      withCore(cmd, async (core) => {
        const r = await core.resolver().undo(id);
        if (flags.json) return printJsonDocument(r);
        out(`Put back ${count(r.moved.length, 'file')}:`);
        for (const m of r.moved) out(`  ${m.to}`);
        if (r.skipped.length > 0) {
          out(`Still in the trash (${r.skipped.length}):`);
          for (const s of r.skipped) out(`  ${s.path}: ${s.reason}`);
          process.exitCode = 1;
        }
      }),
    );

  const trash = program
    .command('trash')
    .description("Lookbook's trash: the copies resolving duplicates moved away, until you empty it");

  trash
    .command('list')
    .description('what is in the trash, and where each file was')
    .option('--json', 'one JSON object per file')
    .action(async (flags: { json?: boolean }, cmd: Command) =>
      withCore(cmd, async (core) => {
        const items = await core.resolver().trashItems();
        if (flags.json) return printJsonLines(items);
        if (items.length === 0) return out('The trash is empty.');
        for (const i of items)
          out(
            `${i.originalPath}  (${formatBytes(i.sizeBytes)}, ${i.trashedAt.slice(0, 16).replace('T', ' ')})`,
          );
        out(`${count(items.length, 'file')}, ${formatBytes(items.reduce((n, i) => n + i.sizeBytes, 0))}`);
      }),
    );

  trash
    .command('restore <paths...>')
    .description('put these files back where they were (their original paths)')
    .action(async (paths: string[], _flags: unknown, cmd: Command) =>
      withCore(cmd, async (core) => {
        const r = await core.resolver().restore(paths);
        for (const item of r.restored) out(`Restored ${item.originalPath}`);
        for (const s of r.skipped) out(`Not restored: ${s.path}: ${s.reason}`);
        if (r.skipped.length > 0) process.exitCode = 1;
      }),
    );

  trash
    .command('empty')
    .description('delete the files in the trash for good (asks for --yes)')
    .option('--yes', 'really delete them')
    .action(async (flags: { yes?: boolean }, cmd: Command) =>
      withCore(cmd, async (core) => {
        const resolver = core.resolver();
        if (!flags.yes) {
          const items = await resolver.trashItems();
          if (items.length === 0) return out('The trash is empty.');
          out(
            `This would delete ${count(items.length, 'file')} (${formatBytes(items.reduce((n, i) => n + i.sizeBytes, 0))}) for good:`,
          );
          for (const i of items) out(`  ${i.originalPath}`);
          out('Run `lookbook trash empty --yes` to delete them.');
          return;
        }
        const r = await resolver.empty();
        out(`Deleted ${count(r.removed, 'file')}, ${formatBytes(r.freedBytes)} freed.`);
      }),
    );
}
