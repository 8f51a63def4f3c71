// WebGPU with no graphics adapter: the Vulkan loader is pointed at a driver that does not exist, so the
// provider finds no adapter. The engine must fall back to the CPU and say why. Its own file (its own
// process): the variable has to be set before the first WebGPU session reads it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createClipEngine } from '../../main/engine/clip-engine.js';
import { deviceName } from '../../main/engine/device.js';
import { TINY } from './fixtures.js';

process.env.VK_ICD_FILENAMES = '/nonexistent/vulkan-driver.json';
process.env.VK_DRIVER_FILES = '/nonexistent/vulkan-driver.json';

test('WebGPU without an adapter falls back to the CPU with the reason, and the model still runs', async () => {
  const engine = await createClipEngine({ model: join(TINY, 'hf'), device: 'webgpu', threads: 1 });
  try {
    assert.equal(engine.device.requested, 'webgpu');
    assert.equal(engine.device.provider, 'cpu');
    assert.equal(deviceName(engine.device.provider), 'CPU');
    const reason = engine.device.fallbackReason ?? '';
    if (process.platform === 'linux' && process.arch === 'x64') {
      assert.match(reason, /^WebGPU could not start \(.*adapter.*\); running on the CPU$/);
      assert.doesNotMatch(reason, /\.cc:\d+/); // no onnxruntime source locations in a user's sentence
    } else {
      assert.match(reason, /running on the CPU/);
    }
    const [v] = await engine.embedTexts(['still works']);
    assert.equal(v!.length, 64);
  } finally {
    await engine.close();
  }
});
