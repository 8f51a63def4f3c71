// `npm install` must work offline and without a GPU, yet fetch onnxruntime's CUDA provider for a user
// with an NVIDIA GPU. scripts/postinstall-gpu.mjs decides; here it runs for real, with a fake
// nvidia-smi on PATH or none, and onnxruntime-node's own installer sends its NuGet request through a
// local proxy (global-agent's setting) that records where it was going and refuses it.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';

const root = join(import.meta.dirname, '..', '..');
const ortDir = dirname(createRequire(import.meta.url).resolve('onnxruntime-node/package.json'));
const cudaAlreadyInstalled = existsSync(
  join(ortDir, 'bin/napi-v6/linux/x64/libonnxruntime_providers_cuda.so'),
);
const skip =
  process.platform !== 'linux' || process.arch !== 'x64'
    ? 'the CUDA provider exists for Linux x64 only'
    : cudaAlreadyInstalled
      ? 'this machine already has the CUDA provider'
      : false;

describe('the GPU post-install step', { skip }, () => {
  let tmp: string;
  let proxy: Server;
  const tunnels: string[] = [];

  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'lookbook-postinstall-'));
    await writeFile(
      join(tmp, 'nvidia-smi'),
      '#!/bin/sh\necho "GPU 0: NVIDIA H200 (UUID: GPU-00000000-0000-0000-0000-000000000000)"\n',
    );
    await chmod(join(tmp, 'nvidia-smi'), 0o755);
    proxy = createServer((_req, res) => res.writeHead(403).end());
    proxy.on('connect', (req, socket) => {
      tunnels.push(String(req.url));
      socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  });

  after(async () => {
    await new Promise((resolve) => proxy.close(resolve));
    await rm(tmp, { recursive: true, force: true });
  });

  async function postinstall(options: { gpu: boolean; env?: Record<string, string> }) {
    tunnels.length = 0;
    const emptyDir = join(tmp, 'no-gpu');
    const child = spawn(process.execPath, [join(root, 'scripts/postinstall-gpu.mjs')], {
      env: {
        // Only the fake nvidia-smi (or nothing) on PATH; the script starts Node by its own path.
        PATH: options.gpu ? tmp : emptyDir,
        HOME: tmp,
        // As under an older npm, installed as the README says: the skip reaches every install script, and
        // this one must override it.
        ONNXRUNTIME_NODE_INSTALL: 'skip',
        GLOBAL_AGENT_HTTP_PROXY: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
        ...options.env,
      },
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    return { code, output, tunnels: [...tunnels] };
  }

  it('without an NVIDIA GPU it does nothing and says nothing', async () => {
    const r = await postinstall({ gpu: false });
    assert.equal(r.code, 0);
    assert.equal(r.output, '');
    assert.deepEqual(r.tunnels, []);
  });

  it('with one it fetches the CUDA provider from NuGet; a failed download never fails the install', async () => {
    const r = await postinstall({ gpu: true });
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, /NVIDIA GPU found, fetching the onnxruntime CUDA provider/);
    assert.deepEqual(r.tunnels, ['api.nuget.org:443']);
    assert.match(r.output, /could not fetch the CUDA provider; Lookbook will run on the CPU/);
  });

  it('LOOKBOOK_CUDA=0 refuses it even with a GPU; LOOKBOOK_CUDA=1 forces it without one', async () => {
    const refused = await postinstall({ gpu: true, env: { LOOKBOOK_CUDA: '0' } });
    assert.equal(refused.code, 0);
    assert.deepEqual(refused.tunnels, []);
    const forced = await postinstall({ gpu: false, env: { LOOKBOOK_CUDA: '1' } });
    assert.equal(forced.code, 0, forced.output);
    assert.deepEqual(forced.tunnels, ['api.nuget.org:443']);
  });
});
