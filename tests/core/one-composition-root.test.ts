// The CLI and the app (the API that the web server and Electron's utility process run) open the library
// through one function, main/core/open-core.ts. Two ways to show it:
// - nothing in main/ but the composition root constructs the parts it wires (the library, the store,
//   the active adapter, tagging, tuning), so no entry point can wire them its own way;
// - the same library opened both ways answers the same: the status, and a search with a tag filter,
//   whose wiring (search asks tagging) exists only in the composition root.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { createCoreApi } from '../../main/api/core-api.js';
import { COLOUR_NAMES, tempDir, writeColourPhoto } from '../tagging/colour-photos.js';

const root = join(import.meta.dirname, '..', '..');

async function sourcesOf(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await sourcesOf(p)));
    else if (entry.name.endsWith('.ts')) out.push(p);
  }
  return out;
}

test('only the composition root constructs the parts of the core', async () => {
  const constructors = [
    'openLibrary',
    'openLibraryStore',
    'openActiveAdapter',
    'createTaggingService',
    'createTuningService',
    'createPhotoSearch',
  ];
  const calls: string[] = [];
  for (const file of await sourcesOf(join(root, 'main'))) {
    const text = await readFile(file, 'utf8');
    for (const name of constructors) {
      // A call, not the definition (`function name(`) or an import.
      for (const m of text.matchAll(new RegExp(`(?<!function )\\b${name}\\(`, 'g'))) {
        calls.push(`${relative(root, file)}: ${name} (at ${m.index})`);
      }
    }
  }
  const outside = calls.filter((c) => !c.startsWith('main/core/open-core.ts:'));
  assert.deepEqual(outside, [], 'construct these in main/core/open-core.ts only');
  for (const name of constructors) {
    assert.ok(
      calls.some((c) => c.includes(`: ${name} `)),
      `the composition root constructs ${name}`,
    );
  }
});

function lookbook(dataDir: string, ...args: string[]) {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'main/cli/cli.ts', '--data-dir', dataDir, ...args],
    {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, LOOKBOOK_FROM_SOURCES: '1' },
    },
  );
  assert.equal(r.status, 0, `lookbook ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

test('the CLI and the app open the same library the same way', async () => {
  const tmp = await tempDir('one-root');
  try {
    const photos = join(tmp.path, 'photos');
    const data = join(tmp.path, 'data');
    const paths: string[] = [];
    for (const [i, colour] of COLOUR_NAMES.slice(0, 4).entries()) {
      paths.push(await writeColourPhoto(join(photos, `${colour}.jpg`), colour, { seed: i + 1 }));
    }
    lookbook(data, 'folders', 'add', photos);
    lookbook(data, 'index');
    // A tag given through the CLI's tagging…
    lookbook(data, 'tags', 'add', paths[1]!, 'favourite');

    const cliStatus = JSON.parse(lookbook(data, 'status', '--json')) as Record<string, unknown>;
    const cliTagged = lookbook(data, 'search', COLOUR_NAMES[1]!, '--tag', 'favourite', '--json')
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { path: string }).path);
    assert.deepEqual(cliTagged, [paths[1]], 'the CLI filters by the tag');

    const api = await createCoreApi({ dataDir: data, watch: false });
    try {
      const status = await api.handlers['library.status']({});
      assert.equal(status.photoCount, cliStatus.photoCount);
      assert.equal(status.model?.id, (cliStatus.model as { id: string }).id);
      assert.deepEqual(
        status.folders.map((f) => [f.path, f.photoCount]),
        (cliStatus.folders as { path: string; photoCount: number }[]).map((f) => [f.path, f.photoCount]),
      );
      // …filters the app's search too, and the app's view of the photo lists it.
      const found = await api.handlers['search.query']({
        query: COLOUR_NAMES[1]!,
        filters: { tags: ['favourite'] },
      });
      assert.deepEqual(
        found.items.map((i) => i.path),
        cliTagged,
      );
      const untagged = await api.handlers['search.query']({
        query: COLOUR_NAMES[1]!,
        filters: { tags: ['nobody-has-this'] },
      });
      assert.equal(untagged.total, 0, 'a tag no photo has filters everything out');
      const details = await api.handlers['photos.get']({ id: found.items[0]!.id });
      assert.ok(details.tags.some((t) => t.tag === 'favourite'));
    } finally {
      await api.close();
    }
  } finally {
    await tmp.cleanup();
  }
});
