// What `npm install` runs and installs is a decision, not an accident: every dependency that ships an
// install script is either allowed or denied in package.json's allowScripts (npm 12 blocks the ones not
// listed, npm 11 only warns), and LanceDB's optional @huggingface/transformers (≈330 MB with its own
// older onnxruntime-node, sharp and onnxruntime-web; Lookbook never loads it) is a local stand-in.
// No .npmrc: npm warns about keys it does not know on every `npx lookbook`, and allowScripts does the job.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFile, cp, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

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

/** The environment without npm's own variables (this test may itself run under `npm test`). */
function plainEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
}

test('npm itself skips onnxruntime-node’s install script, with no project .npmrc key to warn about', async () => {
  // A copy of the project's manifest and lockfile with onnxruntime-node's package.json and install script
  // (not its binaries): `npm rebuild` runs a dependency's install scripts the way `npm ci` does. Had the
  // script run, it would fail here (its own dependencies are not copied), so npm's success means it skipped it.
  const tmp = await mkdtemp(join(tmpdir(), 'lookbook-allow-scripts-'));
  try {
    await copyFile(join(root, 'package.json'), join(tmp, 'package.json'));
    await copyFile(join(root, 'package-lock.json'), join(tmp, 'package-lock.json'));
    const ortDir = dirname(require.resolve('onnxruntime-node/package.json'));
    const copyDir = join(tmp, 'node_modules', 'onnxruntime-node');
    await mkdir(copyDir, { recursive: true });
    await copyFile(join(ortDir, 'package.json'), join(copyDir, 'package.json'));
    await cp(join(ortDir, 'script'), join(copyDir, 'script'), { recursive: true });
    const r = spawnSync('npm', ['rebuild', 'onnxruntime-node', '--offline'], {
      cwd: tmp,
      env: { ...plainEnv(), npm_config_cache: join(tmp, 'cache') },
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(r.status, 0, `npm rebuild ran onnxruntime-node's install script:\n${r.stderr}`);
    assert.doesNotMatch(r.stderr, /npm warn/i);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
});

test('`npx lookbook --help` prints the help and no npm warning', () => {
  const r = spawnSync('npx', ['--offline', 'lookbook', '--help'], {
    cwd: root,
    env: plainEnv(),
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /Usage: lookbook/);
  assert.doesNotMatch(r.stderr, /npm warn/i, 'npm warned when starting lookbook');
});
