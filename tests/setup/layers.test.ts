// The layers of main/ are enforced by lint (scripts/eslint/layers.mjs): these lint real snippets as if
// they were files of main/, with the project's own ESLint configuration, so the rule is shown to fail on
// an import that runs back up, between peers, or to Electron, and to accept the imports that go down.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ESLint } from 'eslint';

const root = join(import.meta.dirname, '..', '..');
const eslint = new ESLint({ cwd: root });

/** The lint messages for `code` as the file `path` (relative to the repository). */
async function lint(path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(root, path) });
  return result!.messages.map((m) => `${m.ruleId}: ${m.message}`);
}

test('an import from a lower layer is accepted', async () => {
  const messages = await lint(
    'main/search/fixture.ts',
    "import { isUnder } from '../paths.js';\nimport type { Library } from '../library/library.js';\n" +
      'export const f = (l: Library) => isUnder(l.dataDir, "/");\n',
  );
  assert.deepEqual(messages, []);
});

test('an import that runs back up is refused, with both folders and the order in the message', async () => {
  const messages = await lint(
    'main/library/fixture.ts',
    "import { createPhotoSearch } from '../search/photo-search.js';\nexport const f = createPhotoSearch;\n",
  );
  assert.equal(messages.length, 1);
  assert.match(
    messages[0]!,
    /^lookbook\/layers: main\/library may not import main\/search: layers import only downward/,
  );
  assert.match(messages[0]!, /library → adapters → search \| tagging \| tuning/);
});

test('a re-export, a type-only import and a dynamic import() that run back up are refused too', async () => {
  const cases = [
    "export { openCore } from '../core/open-core.js';\n",
    "import type { Core } from '../core/open-core.js';\nexport type C = Core;\n",
    "export const load = () => import('../core/open-core.js');\n",
  ];
  for (const code of cases) {
    const messages = await lint('main/engine/fixture.ts', code);
    assert.equal(messages.length, 1, code);
    assert.match(messages[0]!, /main\/engine may not import main\/core/, code);
  }
});

test('peers may not import each other (tuning and tagging)', async () => {
  const messages = await lint(
    'main/tuning/fixture.ts',
    "import { fillTemplate } from '../tagging/prompt-templates.js';\nexport const f = fillTemplate;\n",
  );
  assert.equal(messages.length, 1);
  assert.match(messages[0]!, /main\/tuning may not import main\/tagging: they are peers/);
});

test('a deeper file is judged by its folder (cli/commands may use everything below cli)', async () => {
  assert.deepEqual(
    await lint('main/cli/commands/fixture.ts', "export { openCore } from '../../core/open-core.js';\n"),
    [],
  );
  const up = await lint('main/api/fixture.ts', "export { withCore } from '../cli/command-helpers.js';\n");
  assert.match(up[0]!, /main\/api may not import main\/cli/);
});

test('the base files directly in main/ import no layer', async () => {
  const messages = await lint('main/fixture.ts', "export { openLibrary } from './library/library.js';\n");
  assert.match(messages[0]!, /files directly in main\/ are the base layer/);
});

test('a new folder must be placed in the layer list', async () => {
  const messages = await lint('main/newthing/fixture.ts', 'export const x = 1;\n');
  assert.match(messages[0]!, /main\/newthing is not in the layer list/);
});

test('main/ never imports Electron: not the package, a subpath or a dynamic import()', async () => {
  const cases = [
    "import { app } from 'electron';\nexport const a = app;\n",
    "import { app } from 'electron/main';\nexport const a = app;\n",
    "export const load = () => import('electron');\n",
    "export const load = () => import('electron/main');\n",
  ];
  for (const code of cases) {
    const messages = await lint('main/core/fixture.ts', code);
    assert.equal(messages.length, 1, code);
    assert.match(messages[0]!, /main\/ is plain Node/, code);
  }
});

test("another layer's internals are reached only through its entry points", async () => {
  const inside = await lint(
    'main/search/fixture.ts',
    "import { scanFolder } from '../library/scanner.js';\nexport const f = scanFolder;\n",
  );
  assert.equal(inside.length, 1);
  assert.match(inside[0]!, /main\/library\/scanner\.ts is internal to main\/library/);
  // Within its own folder the same module is fine.
  assert.deepEqual(
    await lint(
      'main/library/fixture.ts',
      "import { scanFolder } from './scanner.js';\nexport const f = scanFolder;\n",
    ),
    [],
  );
});
