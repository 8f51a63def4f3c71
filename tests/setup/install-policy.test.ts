// What `npm install` runs and installs is a decision, not an accident: every dependency that ships an
// install script is either allowed or denied in package.json's allowScripts (npm 12 blocks the ones not
// listed, npm 11 only warns), and LanceDB's optional @huggingface/transformers (≈330 MB with its own
// older onnxruntime-node, sharp and onnxruntime-web; Lookbook never loads it) is a local stand-in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';

interface LockPackage {
  version?: string;
  hasInstallScript?: boolean;
}

const require = createRequire(import.meta.url);
const root = join(import.meta.dirname, '..', '..');
const readJson = async <T>(path: string) => JSON.parse(await readFile(join(root, path), 'utf8')) as T;
const packageName = (lockPath: string) => lockPath.slice(lockPath.lastIndexOf('node_modules/') + 13);

test('every dependency with an install script is allowed or denied in package.json', async () => {
  const lock = await readJson<{ packages: Record<string, LockPackage> }>('package-lock.json');
  const { allowScripts = {} } = await readJson<{ allowScripts?: Record<string, boolean> }>('package.json');
  const withScripts = Object.entries(lock.packages)
    .filter(([path, p]) => path.includes('node_modules/') && p.hasInstallScript)
    .map(([path, p]) => `${packageName(path)}@${p.version}`);
  assert.ok(withScripts.length > 0, 'the lockfile records install scripts');
  const unreviewed = withScripts.filter((id) => !(id.slice(0, id.lastIndexOf('@')) in allowScripts));
  assert.deepEqual(unreviewed, [], 'review these and add them to allowScripts');
  // onnxruntime-node's script downloads the CUDA provider on every Linux x64 machine;
  // scripts/postinstall-gpu.mjs runs it only where there is an NVIDIA GPU.
  assert.equal(allowScripts['onnxruntime-node'], false);
});

test('one onnxruntime-node, and LanceDB finds the stand-in instead of transformers.js', async () => {
  const lock = await readJson<{ packages: Record<string, LockPackage> }>('package-lock.json');
  const copies = Object.keys(lock.packages).filter((path) => packageName(path) === 'onnxruntime-node');
  assert.deepEqual(copies, ['node_modules/onnxruntime-node']);
  const fromLanceDb = createRequire(require.resolve('@lancedb/lancedb'));
  const found = JSON.parse(
    await readFile(fromLanceDb.resolve('@huggingface/transformers/package.json'), 'utf8'),
  ) as { version: string };
  assert.equal(found.version, '0.0.0-not-installed');
});
