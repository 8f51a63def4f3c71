import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openCore, type Core } from '../../main/core/open-core.js';
import type { Library } from '../../main/library/library.js';
import { createMediaPort } from '../../main/library/media-port.js';
import { MediaError } from '../../main/media/errors.js';
import type { FileRow } from '../../main/store/library-store.js';
import { tempDir, writePhoto } from './photo-fixtures.js';

// Which failures blame the photo. A MediaError says what is wrong with the photo and is final until the
// file changes; any other error (a bug, an I/O failure that is not the photo's) is 'internal', and the
// next index run tries the file again.

describe('failure codes', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let core: Core;
  let library: Library;
  const paths = { good: '', buggy: '', corrupt: '' };
  const reads = { buggy: 0, corrupt: 0 };
  let bugFixed = false;

  const rowOf = async (path: string): Promise<FileRow | undefined> =>
    (await library.store.allFiles()).find((r) => r.path === path);

  before(async () => {
    dir = await tempDir('failure-codes');
    const root = join(dir.path, 'photos');
    paths.good = await writePhoto({ path: join(root, 'good.jpg'), colour: 'red', seed: 1 });
    paths.buggy = await writePhoto({ path: join(root, 'buggy.jpg'), colour: 'blue', seed: 2 });
    paths.corrupt = await writePhoto({ path: join(root, 'corrupt.jpg'), colour: 'green', seed: 3 });
    const media = createMediaPort();
    core = await openCore({
      dataDir: join(dir.path, 'data'),
      library: {
        media: {
          ...media,
          async readForIndex(path, options) {
            if (path === paths.buggy) {
              reads.buggy++;
              // What a bug in Lookbook's own code throws: nothing to do with the photo.
              if (!bugFixed) throw new TypeError("Cannot read properties of undefined (reading 'width')");
            }
            if (path === paths.corrupt) {
              reads.corrupt++;
              throw new MediaError(`${path}: the image data is damaged`, 'corrupt', path);
            }
            return media.readForIndex(path, options);
          },
        },
      },
    });
    library = core.library;
    await library.addFolder(root);
  });

  after(async () => {
    await core?.close();
    await dir?.cleanup();
  });

  test('a thrown non-media error ends as internal, not corrupt, and is retried on the next run', async () => {
    const first = await library.index();
    assert.equal(first.failed, 2);
    const buggy = await rowOf(paths.buggy);
    assert.equal(buggy?.status, 'failed');
    assert.equal(buggy?.code, 'internal');
    assert.match(buggy?.reason ?? '', /buggy\.jpg/);
    assert.match(buggy?.reason ?? '', /Cannot read properties of undefined/);
    assert.equal((await rowOf(paths.corrupt))?.code, 'corrupt');
    assert.equal((await rowOf(paths.good))?.status, 'indexed');

    // The bug is fixed (a new version, say); the photos themselves did not change.
    bugFixed = true;
    const second = await library.index();
    assert.equal(reads.buggy, 2, 'the file that failed for an internal reason is read again');
    assert.equal(second.encoded, 1);
    assert.equal((await rowOf(paths.buggy))?.status, 'indexed');
    const blue = await core.search.search('blue');
    assert.deepEqual(
      blue.items.map((i) => i.path),
      [paths.buggy],
    );
    // A photo that is itself broken is not read again until it changes.
    assert.equal(reads.corrupt, 1);
    assert.equal((await rowOf(paths.corrupt))?.code, 'corrupt');
  });
});
