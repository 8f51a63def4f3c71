// `lookbook roots list|map`: a library's folders as every computer sharing it names them (roots), and
// where each one is on this computer. One library on a NAS is /Volumes/Photos on a Mac, P:\ on Windows
// and /mnt/photos on Linux: each computer maps the library's roots once (see [Note: roots] in
// main/store/root-keys.ts).
import type { Command } from 'commander';
import { withCore } from '../command-helpers.js';
import { logWarning } from '../../log.js';
import type { RootInfo } from '../../library/types.js';
import { absoluteUserPath } from '../../user-path.js';
import { count, out, printJsonLines } from '../output.js';

const NOT_MAPPED = 'not mapped on this computer';

function printRoots(roots: RootInfo[]): void {
  if (roots.length === 0) {
    out(
      'No roots yet: `lookbook folders add PATH` adds a folder, which every computer sharing the library sees.',
    );
    return;
  }
  for (const r of roots)
    out(`${r.id}  ${r.name}  ${r.path ?? NOT_MAPPED}  (${count(r.photoCount, 'photo')})`);
  if (roots.some((r) => r.path === null))
    out(
      `The photos of a root ${NOT_MAPPED} are not shown: \`lookbook roots map ROOT PATH\` says where it is.`,
    );
}

export function registerRootsCommands(program: Command): void {
  const roots = program
    .command('roots')
    .description("the library's folders as every computer sharing it names them, and where they are here");
  roots
    .command('list')
    .description('list the roots: id, name, where each is on this computer, photos')
    .option('--json', 'one JSON object per root and line')
    .action(async (flags: { json?: boolean }, cmd: Command) => {
      await withCore(cmd, async ({ library }) => {
        const list = await library.listRoots();
        if (flags.json) printJsonLines(list);
        else printRoots(list);
      });
    });
  roots
    .command('map <root> <path>')
    .description("say where a root (its id or name) is on this computer, e.g. the share's mount point")
    .action(async (root: string, path: string, _flags: unknown, cmd: Command) => {
      await withCore(cmd, async ({ library }) => {
        // A relative path is the person's own: relative to the folder the command runs in.
        const folder = absoluteUserPath(path, { relativeTo: process.cwd() });
        const mapped = await library.mapRoot(root, folder);
        const r = mapped.root;
        out(`${r.id}  ${r.name}  is ${r.path} on this computer (${count(r.photoCount, 'photo')}).`);
        if (mapped.checked > 0 && mapped.found === 0)
          logWarning(
            `none of the ${count(mapped.checked, 'library file')} looked for are under ${r.path}: is it the folder the library calls '${r.name}'? (\`lookbook roots map ${r.id} PATH\` again to change it)`,
          );
      });
    });
}
