// Paths people type or paste (issue 12, item 2): quotes, `~`, a Windows path on Linux or macOS, a
// relative path (never against the server's working folder), a near miss; and the web mode's folder
// browser ('folders.browse'), which lists folders only and never opens the system's own.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createCoreApi } from '../../main/api/core-api.js';
import type { CoreApi } from '../../main/api/dispatch.js';
import { dispatch } from '../../main/api/dispatch.js';
import type { FolderListing, FolderView } from '../../main/api/types.js';
import { formatBytes } from '../../main/format-bytes.js';
import { absoluteUserPath, nearMiss } from '../../main/user-path.js';

const home = '/home/ana';

describe('typed paths', () => {
  it('strips the quotes a pasted path carries and expands ~', () => {
    assert.equal(absoluteUserPath('"/home/ana/My Pictures"', { home }), '/home/ana/My Pictures');
    assert.equal(absoluteUserPath("  '/data/photos/'  ", { home }), '/data/photos');
    assert.equal(absoluteUserPath('“/data/photos”', { home }), '/data/photos');
    assert.equal(absoluteUserPath('~/Pictures', { home }), '/home/ana/Pictures');
    assert.equal(
      absoluteUserPath('file:///data/my%20photos', { home, platform: 'linux' }),
      '/data/my photos',
    );
  });

  it('names a Windows path pasted on Linux or macOS as such', () => {
    for (const [typed, platform, system] of [
      ['C:\\Users\\me\\Pictures', 'linux', 'Linux'],
      ['"D:/Photos"', 'darwin', 'macOS'],
      ['\\\\nas\\photos', 'linux', 'Linux'],
    ] as const) {
      assert.throws(
        () => absoluteUserPath(typed, { home, platform }),
        (e: Error) =>
          /is a Windows path, but Lookbook runs on/.test(e.message) &&
          e.message.includes(system) &&
          e.message.includes('/home/ana/Pictures'),
        typed,
      );
    }
    assert.equal(
      absoluteUserPath('C:\\Users\\me\\Pictures', { home: 'C:\\Users\\me', platform: 'win32' }),
      'C:\\Users\\me\\Pictures',
    );
  });

  it('refuses a relative path instead of resolving it against the working folder, unless given one', () => {
    assert.throws(
      () => absoluteUserPath('Pictures', { home }),
      (e: Error) => /“Pictures” is not a full path/.test(e.message) && !e.message.includes(process.cwd()),
    );
    assert.equal(absoluteUserPath('Pictures', { home, relativeTo: '/work/me' }), '/work/me/Pictures');
  });

  it('finds the folder a near miss meant: a letter case, or a typo in one name', async () => {
    const root = await mkdtemp(join(tmpdir(), 'lookbook-near-'));
    try {
      await mkdir(join(root, 'Pictures', 'Holidays 2024'), { recursive: true });
      assert.equal(nearMiss(join(root, 'pictures')), join(root, 'Pictures'));
      assert.equal(nearMiss(join(root, 'Picturs', 'holidays 2024')), join(root, 'Pictures', 'Holidays 2024'));
      assert.equal(nearMiss(join(root, 'Documents')), undefined);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('writes sizes one way for the CLI and the app (binary units, KB/MB/GB)', () => {
    assert.equal(formatBytes(512), '512 bytes');
    assert.equal(formatBytes(1024), '1 KB');
    assert.equal(formatBytes(16 * 1024 * 1024), '16 MB');
    assert.equal(formatBytes(607_200_000), '579 MB');
    assert.equal(formatBytes(4.4 * 1024 ** 2), '4.4 MB');
    assert.equal(formatBytes(1024 ** 3 - 1), '1 GB');
  });
});

describe('folders.add and folders.browse through the API', () => {
  let tmp: string;
  let api: CoreApi;

  const call = async <T>(method: string, body: unknown): Promise<T> => {
    const r = await dispatch(api, method, body);
    if (!r.ok) throw new Error(r.body.error.message);
    return r.result as T;
  };

  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'lookbook-browse-'));
    await mkdir(join(tmp, 'Photos', '2024'), { recursive: true });
    await mkdir(join(tmp, 'Photos', '2023'), { recursive: true });
    await mkdir(join(tmp, 'Photos', '.thumbnails'), { recursive: true });
    await writeFile(join(tmp, 'Photos', 'notes.txt'), 'not a folder');
    await symlink(join(tmp, 'Photos', '2023'), join(tmp, 'Photos', 'linked'));
    api = await createCoreApi({
      dataDir: join(tmp, 'data'),
      model: 'demo',
      watch: false,
      log: () => undefined,
    });
  });

  after(async () => {
    await api?.close();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('adds a quoted path, and suggests the folder a mistyped one meant', async () => {
    const missing = await dispatch(api, 'folders.add', { path: join(tmp, 'photos') });
    assert.equal(missing.ok, false);
    if (!missing.ok) {
      assert.equal(missing.status, 404);
      assert.equal(
        missing.body.error.message,
        `${join(tmp, 'photos')} does not exist. Did you mean ${join(tmp, 'Photos')}?`,
      );
      // Also as data, so the app can offer it as a button.
      assert.equal(missing.body.error.suggestion, join(tmp, 'Photos'));
    }
    const relative = await dispatch(api, 'folders.add', { path: 'Photos' });
    assert.equal(relative.ok, false);
    if (!relative.ok) assert.match(relative.body.error.message, /not a full path/);

    const folders = await call<FolderView[]>('folders.add', { path: `"${join(tmp, 'Photos', '2024')}"` });
    assert.deepEqual(
      folders.map((f) => f.path),
      [join(tmp, 'Photos', '2024')],
    );
  });

  it('lists only folders, sorted, hidden ones on request, with a parent and places to start', async () => {
    const listing = await call<FolderListing>('folders.browse', { path: join(tmp, 'Photos') });
    assert.equal(listing.path, join(tmp, 'Photos'));
    assert.deepEqual(
      listing.folders.map((f) => f.name),
      ['2023', '2024', 'linked'],
    );
    assert.equal(listing.folders[0]!.path, join(tmp, 'Photos', '2023'));
    assert.equal(listing.parent, tmp);
    assert.equal(listing.places[0]!.label, 'Home folder');

    const hidden = await call<FolderListing>('folders.browse', {
      path: join(tmp, 'Photos'),
      showHidden: true,
    });
    assert.ok(hidden.folders.some((f) => f.name === '.thumbnails'));

    const start = await call<FolderListing>('folders.browse', {});
    assert.equal(start.path, listing.places[0]!.path);
  });

  it('refuses the system folders, files and missing folders with the reason', async () => {
    const cases: Array<[string, RegExp]> = [
      ['/', /root of the file system/],
      ['/proc', /processes and devices/],
      [join(tmp, 'Photos', 'notes.txt'), /is a file, not a folder/],
      [join(tmp, 'Photo'), /does not exist\. Did you mean .*Photos\?/],
      ['C:\\Users\\me', /is a Windows path/],
    ];
    for (const [path, reason] of cases) {
      const r = await dispatch(api, 'folders.browse', { path });
      assert.equal(r.ok, false, path);
      if (!r.ok) assert.match(r.body.error.message, reason, path);
    }
    const root = await call<FolderListing>('folders.browse', { path: '/home' }).catch(() => undefined);
    if (root) assert.equal(root.parent, null, 'the root above /home is never offered');
  });
});
