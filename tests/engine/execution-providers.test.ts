import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createClipEngine } from '../../main/engine/clip-engine.js';
import { currentHost, planProvider } from '../../main/engine/execution-providers.js';
import type { HostFacts } from '../../main/engine/execution-providers.js';
import { TINY } from './fixtures.js';

function host(platform: NodeJS.Platform, arch: string, files: string[] = []): HostFacts {
  return { platform, arch, ortBinDir: '/ort/bin', exists: (p) => files.includes(p) };
}

test('auto picks each platform GPU provider, and CUDA only when its library is installed', () => {
  assert.deepEqual(planProvider('auto', host('win32', 'x64')), { provider: 'dml' });
  assert.deepEqual(planProvider('auto', host('darwin', 'arm64')), { provider: 'coreml' });
  assert.deepEqual(
    planProvider('auto', host('linux', 'x64', ['/ort/bin/libonnxruntime_providers_cuda.so'])),
    {
      provider: 'cuda',
    },
  );
  assert.deepEqual(planProvider('auto', host('linux', 'x64')), { provider: 'cpu' });
  assert.deepEqual(planProvider('auto', host('linux', 'arm64')), { provider: 'cpu' });
  const withDriver = planProvider('auto', host('linux', 'x64', ['/dev/nvidiactl']));
  assert.equal(withDriver.provider, 'cpu');
  assert.match(withDriver.fallbackReason ?? '', /NVIDIA GPU is present but .*CUDA provider is not installed/);
});

test('an explicit device overrides; one this platform lacks falls back with a reason', () => {
  assert.deepEqual(planProvider('cpu', host('win32', 'x64')), { provider: 'cpu' });
  assert.deepEqual(planProvider('dml', host('win32', 'x64')), { provider: 'dml' });
  const coremlOnLinux = planProvider('coreml', host('linux', 'x64'));
  assert.equal(coremlOnLinux.provider, 'cpu');
  assert.match(coremlOnLinux.fallbackReason ?? '', /CoreML is not available on linux\/x64/);
});

test('requesting CUDA here runs on the CPU and says why', async (t) => {
  if (planProvider('cuda', currentHost()).provider === 'cuda')
    t.skip('this machine has the CUDA provider installed');
  const engine = await createClipEngine({ model: join(TINY, 'hf'), device: 'cuda', threads: 1 });
  try {
    assert.equal(engine.device.requested, 'cuda');
    assert.equal(engine.device.provider, 'cpu');
    assert.match(engine.device.fallbackReason ?? '', /CUDA.*running on the CPU/);
    const [v] = await engine.embedTexts(['still works']);
    assert.equal(v!.length, 64);
  } finally {
    await engine.close();
  }
});

test('a GPU provider whose session creation throws falls back to the CPU with the error in the reason', async () => {
  // Skipping the plan forces onnxruntime to try loading the CUDA provider library; it is absent here.
  const engine = await createClipEngine(
    { model: join(TINY, 'immich'), device: 'cuda', threads: 1 },
    { forceProvider: currentHost().platform === 'linux' ? 'cuda' : 'coreml' },
  );
  try {
    if (engine.device.provider !== 'cpu') return; // the provider really loaded: nothing to fall back from
    assert.match(engine.device.fallbackReason ?? '', /could not start \(.+\); running on the CPU/);
    const [v] = await engine.embedTexts(['still works']);
    assert.equal(v!.length, 64);
  } finally {
    await engine.close();
  }
});
