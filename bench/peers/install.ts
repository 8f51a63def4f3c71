// Installs the peer pipelines the `--peers` benchmark compares Lookbook with, each in its own place and
// never among the project's dependencies: transformers.js from npm into bench/out/peers/transformers-js,
// PyTorch, torchvision and PIL from Debian (with the pthread OpenBLAS, without which Debian's torch falls
// back to the reference BLAS and runs ~38× slower).
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The version measured; it depends on onnxruntime-node 1.30.0, the same as Lookbook's. */
export const TRANSFORMERS_JS = '@huggingface/transformers@4.3.2';
/** Debian's own Python, where its python3-torch lives (not a pyenv or venv python3 earlier on PATH). */
export const DEBIAN_PYTHON = '/usr/bin/python3';
export const OPENBLAS_PTHREAD = '/usr/lib/x86_64-linux-gnu/openblas-pthread';
const DEBIAN_PACKAGES = ['python3-torch', 'python3-torchvision', 'python3-pil', 'libopenblas0-pthread'];
const HERE = fileURLToPath(new URL('.', import.meta.url));

export interface PeerInstall {
  /** Folder holding transformers.js and the peer script that imports it. */
  transformersJsDir: string;
  transformersJsScript: string;
  pytorchScript: string;
}

export function ensurePeers(peersDir: string, log: (m: string) => void): PeerInstall {
  const tjs = join(peersDir, 'transformers-js');
  if (!existsSync(join(tjs, 'node_modules', '@huggingface', 'transformers', 'package.json'))) {
    mkdirSync(tjs, { recursive: true });
    writeFileSync(join(tjs, 'package.json'), '{ "name": "peer-transformers-js", "private": true }\n');
    log(`installing ${TRANSFORMERS_JS} into ${tjs}`);
    // --ignore-scripts: onnxruntime-node's install script only fetches the CUDA provider (from NuGet);
    // its CPU binaries are in the npm package itself.
    execFileSync(
      'npm',
      ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--no-save', TRANSFORMERS_JS],
      { cwd: tjs, stdio: 'inherit' },
    );
  }
  // The script sits beside its node_modules so that its import resolves there, not in the project.
  copyFileSync(join(HERE, 'transformers-js.mjs'), join(tjs, 'transformers-js.mjs'));

  const probe = spawnSync(DEBIAN_PYTHON, ['-c', 'import torch, torchvision, PIL'], { stdio: 'ignore' });
  if (probe.status !== 0 || !existsSync(OPENBLAS_PTHREAD)) {
    if (process.getuid?.() !== 0) {
      throw new Error(`the PyTorch peer needs: sudo apt-get install ${DEBIAN_PACKAGES.join(' ')}`);
    }
    log(`installing ${DEBIAN_PACKAGES.join(', ')} from Debian`);
    execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...DEBIAN_PACKAGES], {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  }
  return {
    transformersJsDir: tjs,
    transformersJsScript: join(tjs, 'transformers-js.mjs'),
    pytorchScript: join(HERE, 'pytorch-pil.py'),
  };
}
