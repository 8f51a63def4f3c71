// The WebGPU provider really running a CLIP tower. On a machine without a graphics card this uses
// Mesa's lavapipe (a Vulkan driver that draws on the CPU; Debian 12 needs Mesa 25 from bookworm-backports,
// which .ci/run installs): slow (its first run compiles every shader, ~30–60 s on 2 cores), but the same
// WebGPU kernels a real GPU runs, so their output is checked against the CPU provider's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createClipEngine } from '../../main/engine/clip-engine.js';
import { deviceName } from '../../main/engine/device.js';
import { currentHost } from '../../main/engine/execution-providers.js';
import { openTower, runVision } from '../../main/engine/onnx-sessions.js';
import { cosine, readF32, readJson, TINY } from './fixtures.js';

const host = currentHost();
const vulkanDrivers = ['/etc/vulkan/icd.d', '/usr/share/vulkan/icd.d'].flatMap((d) => host.list(d));
const skip =
  host.platform !== 'linux' || host.arch !== 'x64'
    ? 'the WebGPU test runs on Linux x64 (Vulkan)'
    : vulkanDrivers.length === 0
      ? 'no Vulkan driver: apt-get install -t bookworm-backports mesa-vulkan-drivers (see .ci/run)'
      : false;

test('the WebGPU provider runs the vision tower and agrees with the CPU provider', { skip }, async () => {
  const ref = readJson<{ pixel_values_shape: number[] }>(join(TINY, 'reference.json'));
  const [n, , size] = ref.pixel_values_shape as [number, number, number, number];
  const pixels = readF32(join(TINY, 'pixel_values.f32'));
  const modelPath = join(TINY, 'hf', 'onnx', 'vision_model.onnx');
  const gpu = await openTower({ tower: 'vision', modelPath, device: 'webgpu', threads: 1 });
  const cpu = await openTower({ tower: 'vision', modelPath, device: 'cpu', threads: 1 });
  try {
    assert.equal(gpu.device.provider, 'webgpu', gpu.device.fallbackReason);
    assert.equal(gpu.device.fallbackReason, undefined);
    const onGpu = await runVision(gpu, pixels.slice(), n, size);
    const onCpu = await runVision(cpu, pixels.slice(), n, size);
    const dim = onCpu.length / n;
    for (let i = 0; i < n; i++) {
      const c = cosine(onGpu.subarray(i * dim, (i + 1) * dim), onCpu.subarray(i * dim, (i + 1) * dim));
      // Measured on lavapipe: 1 − 4e-14 (fp32 on both; only the order of the sums differs).
      assert.ok(c > 0.9999, `image ${i}: cosine ${c} between WebGPU and CPU`);
    }
  } finally {
    await Promise.all([gpu.session.release(), cpu.session.release()]);
  }
});

test('an engine asked for WebGPU reports it, and the app names it', { skip }, async () => {
  const engine = await createClipEngine({ model: join(TINY, 'hf'), device: 'webgpu', threads: 1 });
  try {
    assert.deepEqual(engine.device, { requested: 'webgpu', provider: 'webgpu' });
    assert.equal(deviceName(engine.device.provider), 'GPU (WebGPU)');
  } finally {
    await engine.close();
  }
});
