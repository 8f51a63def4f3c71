// `lookbook albums list|create|show|add|remove|rename|export|delete`. Albums are named by name (any case)
// or id; photos by path (or content id, as elsewhere).
import { basename, resolve } from 'node:path';
import type { Command } from 'commander';
import type { Album, AlbumService, SmartAlbumQuery } from '../../albums/album-service.js';
import { UserError } from '../../errors.js';
import { logWarning } from '../../log.js';
import type { PhotoFilters } from '../../search/filters.js';
import { numberIn, withCore } from '../command-helpers.js';
import { count, out, printJsonDocument, printJsonLines } from '../output.js';

async function withAlbums<T>(cmd: Command, fn: (albums: AlbumService) => Promise<T>): Promise<T> {
  return withCore(cmd, async (core) => fn(core.albums()));
}

/** An album as --json prints it: the cover as its path. */
function albumRecord(a: Album) {
  return {
    id: a.id,
    name: a.name,
    kind: a.kind,
    count: a.count,
    cover: a.cover?.path ?? null,
    ...(a.smart ? { smart: a.smart } : {}),
    createdAt: a.createdAt,
    updatedAt: a.updatedAt,
  };
}

/** "words 'red', like photo 1a2b3c4d, 2021-01-01 to 2021-12-31, tags beach, formats jpeg, in /photos" */
function describeSmart(q: SmartAlbumQuery): string {
  const f = q.filters ?? {};
  const parts = [
    ...(q.query ? [`'${q.query}'`] : []),
    ...(q.similarTo ? [`like photo ${q.similarTo.slice(0, 12)}`] : []),
    ...(f.from || f.to ? [`${f.from ?? '…'} to ${f.to ?? '…'}`] : []),
    ...(f.tags?.length ? [`tags ${f.tags.join(', ')}`] : []),
    ...(f.formats?.length ? [`formats ${f.formats.join(', ')}`] : []),
    ...(f.folder ? [`in ${f.folder}`] : []),
  ];
  return parts.join(', ');
}

function albumLine(a: Album): string {
  const smart = a.smart ? `, smart: ${describeSmart(a.smart)}` : '';
  return `${a.name}  (${count(a.count, 'photo')}${smart})`;
}

interface CreateFlags {
  smart?: string;
  like?: string;
  from?: string;
  to?: string;
  tag?: string[];
  format?: string[];
  folder?: string;
  json?: boolean;
}

/** The smart query the flags ask for; undefined when none is given (a manual album). */
function smartFrom(flags: CreateFlags): SmartAlbumQuery | undefined {
  const filters: PhotoFilters = {};
  if (flags.from) filters.from = flags.from;
  if (flags.to) filters.to = flags.to;
  if (flags.tag?.length) filters.tags = flags.tag;
  if (flags.format?.length) filters.formats = flags.format;
  if (flags.folder) filters.folder = resolve(flags.folder);
  const hasFilters = Object.keys(filters).length > 0;
  if (flags.smart === undefined && !flags.like && !hasFilters) return undefined;
  return {
    ...(flags.smart ? { query: flags.smart } : {}),
    ...(flags.like ? { similarTo: flags.like } : {}),
    ...(hasFilters ? { filters } : {}),
  };
}

export function registerAlbumCommands(program: Command): void {
  const albums = program
    .command('albums')
    .description('albums: photos you put together, or smart albums that a saved search fills');

  albums
    .command('list')
    .description('every album, with how many photos it holds')
    .option('--json', 'one JSON object per album')
    .action(async (flags: { json?: boolean }, cmd: Command) =>
      withAlbums(cmd, async (service) => {
        const list = await service.list();
        if (flags.json) return printJsonLines(list.map(albumRecord));
        if (list.length === 0) {
          out('No albums yet: `lookbook albums create NAME [PHOTO…]`.');
          return;
        }
        for (const a of list) out(albumLine(a));
      }),
    );

  albums
    .command('create <name> [photos...]')
    .description(
      'a manual album with these photos (paths), or a smart album with --smart "QUERY" and/or filters',
    )
    .option('--smart <query>', 'a smart album: the photos this search finds, now and later')
    .option('--like <photo>', 'a smart album of photos that look like this library photo')
    .option('--from <date>', 'smart album: photos taken on or after this date (YYYY-MM-DD)')
    .option('--to <date>', 'smart album: photos taken on or before this date (YYYY-MM-DD)')
    .option('--tag <tag...>', 'smart album: only photos with these tags')
    .option('--format <format...>', 'smart album: only these formats (jpeg, png, heic, …)')
    .option('--folder <folder>', 'smart album: only photos under this folder')
    .option('--json', 'print the album as JSON')
    .action(async (name: string, photos: string[], flags: CreateFlags, cmd: Command) =>
      withAlbums(cmd, async (service) => {
        const smart = smartFrom(flags);
        const album = await service.create(name, { photos, ...(smart ? { smart } : {}) });
        if (flags.json) return printJsonDocument(albumRecord(album));
        out(`Created ${album.kind === 'smart' ? 'smart album' : 'album'} ${albumLine(album)}.`);
      }),
    );

  albums
    .command('show <album>')
    .description("an album's photos, in album order (a smart album: best matches first)")
    .option('--limit <n>', 'photos per page', numberIn('--limit', 1, 100_000, true), 100)
    .option('--offset <n>', 'skip this many photos', numberIn('--offset', 0, 1e9, true), 0)
    .option('--json', 'one JSON object per photo')
    .action(async (ref: string, flags: { limit: number; offset: number; json?: boolean }, cmd: Command) =>
      withAlbums(cmd, async (service) => {
        const album = await service.get(ref);
        const page = await service.photos(album.id, { offset: flags.offset, limit: flags.limit });
        if (flags.json) return printJsonLines(page.items);
        out(albumLine(album));
        if (page.total === 0) out('No photos in it yet.');
        for (const p of page.items) out(`${p.path}  ${p.takenAt ? p.takenAt.slice(0, 10) : ''}`.trimEnd());
        const shown = page.offset + page.items.length;
        if (shown < page.total) out(`… ${page.total - shown} more (--offset ${shown})`);
      }),
    );

  albums
    .command('add <album> <photos...>')
    .description('add library photos (paths) to a manual album')
    .action(async (ref: string, photos: string[], _flags: unknown, cmd: Command) =>
      withAlbums(cmd, async (service) => {
        const before = (await service.get(ref)).count;
        const album = await service.add(ref, photos);
        out(`Added ${count(album.count - before, 'photo')} to ${albumLine(album)}.`);
      }),
    );

  albums
    .command('remove <album> <photos...>')
    .description('take photos out of a manual album (they stay in the library)')
    .action(async (ref: string, photos: string[], _flags: unknown, cmd: Command) =>
      withAlbums(cmd, async (service) => {
        const before = (await service.get(ref)).count;
        const album = await service.remove(ref, photos);
        out(`Removed ${count(before - album.count, 'photo')} from ${albumLine(album)}.`);
      }),
    );

  albums
    .command('rename <album> <name>')
    .description('give an album a new name')
    .action(async (ref: string, name: string, _flags: unknown, cmd: Command) =>
      withAlbums(cmd, async (service) => {
        const album = await service.rename(ref, name);
        out(`Renamed to ${albumLine(album)}.`);
      }),
    );

  albums
    .command('export <album> <folder>')
    .description(
      "copy the album's original files into a folder (created if missing); nothing there is overwritten",
    )
    .option('--json', 'print what was copied as JSON')
    .action(async (ref: string, folder: string, flags: { json?: boolean }, cmd: Command) =>
      withAlbums(cmd, async (service) => {
        const r = await service.export(ref, folder);
        if (flags.json) printJsonDocument(r);
        else {
          out(`Copied ${count(r.copied.length, 'photo')} into ${r.destination}.`);
          const renamed = r.copied.filter((c) => basename(c.to) !== basename(c.from));
          for (const c of renamed) out(`  ${c.from} → ${c.to} (that name was taken)`);
        }
        for (const f of r.failures) logWarning(`${f.path}: ${f.reason}`);
        // Every other photo was copied; still a non-zero exit so scripts notice the ones that were not.
        if (r.failures.length > 0)
          throw new UserError(`${count(r.failures.length, 'photo')} could not be copied (see above).`);
      }),
    );

  albums
    .command('delete <album>')
    .description('delete an album (its photos stay in the library and on disk)')
    .action(async (ref: string, _flags: unknown, cmd: Command) =>
      withAlbums(cmd, async (service) => {
        const album = await service.get(ref);
        await service.delete(album.id);
        out(`Deleted the album '${album.name}'; its photos are still in the library.`);
      }),
    );
}
