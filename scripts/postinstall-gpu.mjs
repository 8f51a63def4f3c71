// onnxruntime-node ships CPU binaries in its npm package; the CUDA provider (hundreds of MB) comes from
// NuGet through its own install script, which package.json's allowScripts denies (npm 11.19+ skips it;
// an older npm needs ONNXRUNTIME_NODE_INSTALL=skip, see the README), so that `npm install` works offline
// and on machines without an NVIDIA GPU. Here we run it ourselves, only when nvidia-smi sees a GPU.
//   Force it:  LOOKBOOK_CUDA=1 npm install    Never:  LOOKBOOK_CUDA=0 npm install
// or by hand: ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install.js
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const wanted = process.env.LOOKBOOK_CUDA;
if (wanted === '0' || process.platform !== 'linux' || process.arch !== 'x64') process.exit(0);

const hasNvidiaGpu = () => {
  const r = spawnSync('nvidia-smi', ['-L'], { encoding: 'utf8', timeout: 10_000 });
  return r.status === 0 && /GPU \d+:/.test(r.stdout);
};
if (wanted !== '1' && !hasNvidiaGpu()) process.exit(0);

const require = createRequire(import.meta.url);
let ortDir;
try {
  ortDir = dirname(require.resolve('onnxruntime-node/package.json'));
} catch {
  process.exit(0);
}
if (existsSync(join(ortDir, 'bin/napi-v6/linux/x64/libonnxruntime_providers_cuda.so'))) process.exit(0);
console.log('lookbook: NVIDIA GPU found, fetching the onnxruntime CUDA provider…');
const r = spawnSync(process.execPath, [join(ortDir, 'script/install.js')], {
  stdio: 'inherit',
  env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'cuda12' },
});
if (r.status !== 0) {
  // Never fail the whole install over an optional accelerator: Lookbook falls back to the CPU and says why.
  console.warn(
    'lookbook: could not fetch the CUDA provider; Lookbook will run on the CPU. Retry with LOOKBOOK_CUDA=1 npm install.',
  );
}
