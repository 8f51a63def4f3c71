import { test } from 'node:test';
import assert from 'node:assert/strict';
import { basename, dirname, join } from 'node:path';
import { createClipEngine } from '../../main/engine/clip-engine.js';
import { currentHost, planProvider } from '../../main/engine/execution-providers.js';
import type { HostFacts } from '../../main/engine/execution-providers.js';
import { TINY } from './fixtures.js';

function host(
  platform: NodeJS.Platform,
  arch: string,
  files: string[] = [],
  more: Partial<HostFacts> = {},
): HostFacts {
  return {
    platform,
    arch,
    ortBinDir: '/ort/bin',
    exists: (p) => files.includes(p),
    list: (dir) => files.filter((f) => dirname(f) === dir).map((f) => basename(f)),
    ...more,
  };
}

const LAVAPIPE = '/usr/share/vulkan/icd.d/lvp_icd.json';
const RADEON = '/usr/share/vulkan/icd.d/radeon_icd.json';
const RENDER_NODE = '/dev/dri/renderD128';

test('WebGPU is tried when asked for, and auto picks it on Linux only for a hardware Vulkan GPU', () => {
  assert.deepEqual(planProvider('webgpu', host('linux', 'x64')), { provider: 'webgpu' });
  assert.deepEqual(planProvider('webgpu', host('win32', 'x64')), { provider: 'webgpu' });
  const arm = planProvider('webgpu', host('linux', 'arm64'));
  assert.equal(arm.provider, 'cpu');
  assert.match(arm.fallbackReason ?? '', /WebGPU is not available on linux\/arm64/);
  // This machine's case: Mesa's manifests (lavapipe among them) but no GPU device node.
  assert.deepEqual(planProvider('auto', host('linux', 'x64', [LAVAPIPE, RADEON])), { provider: 'cpu' });
  // A GPU node with only a CPU-drawn driver: slower than the CPU, so not picked.
  assert.deepEqual(planProvider('auto', host('linux', 'x64', [LAVAPIPE, RENDER_NODE])), {
    provider: 'cpu',
  });
  assert.deepEqual(planProvider('auto', host('linux', 'x64', [LAVAPIPE, RADEON, RENDER_NODE])), {
    provider: 'webgpu',
  });
  // NVIDIA without onnxruntime's CUDA library: its Vulkan driver still gives a GPU.
  assert.deepEqual(
    planProvider('auto', host('linux', 'x64', ['/etc/vulkan/icd.d/nvidia_icd.json', '/dev/nvidia0'])),
    { provider: 'webgpu' },
  );
  // CUDA, where installed, comes first.
  assert.deepEqual(
    planProvider(
      'auto',
      host('linux', 'x64', ['/ort/bin/libonnxruntime_providers_cuda.so', RADEON, RENDER_NODE]),
    ),
    { provider: 'cuda' },
  );
  // The environment's driver list replaces the manifest folders (VK_ICD_FILENAMES=lavapipe only).
  assert.deepEqual(
    planProvider('auto', host('linux', 'x64', [RADEON, RENDER_NODE], { vulkanDriverFiles: LAVAPIPE })),
    { provider: 'cpu' },
  );
});

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
