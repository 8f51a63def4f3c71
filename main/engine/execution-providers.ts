// Which onnxruntime execution provider to try, per platform, and the sentence shown to the user when a
// GPU provider cannot be used. All device detection lives here; the worker only follows the plan.
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { DeviceRequest, ExecutionProvider } from './types.js';

export interface HostFacts {
  platform: NodeJS.Platform;
  arch: string;
  /** onnxruntime-node's native folder for this platform (bin/napi-v6/<platform>/<arch>), if found. */
  ortBinDir?: string;
  exists: (path: string) => boolean;
  /** A folder's entries, or none when it is missing (Vulkan driver manifests, GPU device nodes). */
  list: (dir: string) => string[];
  /** The environment's Vulkan driver override (VK_DRIVER_FILES / VK_ICD_FILENAMES), if set. */
  vulkanDriverFiles?: string;
}

export interface ProviderPlan {
  /** The provider to try first; the worker falls back to 'cpu' if creating a session with it throws. */
  provider: ExecutionProvider;
  /** Already known at planning time: why the requested GPU provider is not even tried. */
  fallbackReason?: string;
}

const CUDA_PROVIDER_LIB = 'libonnxruntime_providers_cuda.so';
const PROVIDER_LABEL: Record<ExecutionProvider, string> = {
  cpu: 'the CPU',
  cuda: 'CUDA',
  dml: 'DirectML',
  coreml: 'CoreML',
  webgpu: 'WebGPU',
};

export function currentHost(): HostFacts {
  const driverFiles = process.env.VK_DRIVER_FILES || process.env.VK_ICD_FILENAMES;
  return {
    platform: process.platform,
    arch: process.arch,
    ortBinDir: findOrtBinDir(),
    exists: existsSync,
    list: listDir,
    ...(driverFiles ? { vulkanDriverFiles: driverFiles } : {}),
  };
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function findOrtBinDir(platform = process.platform, arch = process.arch): string | undefined {
  try {
    const require = createRequire(import.meta.url);
    const pkg = require.resolve('onnxruntime-node/package.json');
    return join(dirname(pkg), 'bin', 'napi-v6', platform, arch);
  } catch {
    return undefined;
  }
}

export function providerLabel(p: ExecutionProvider): string {
  return PROVIDER_LABEL[p];
}

/** The provider each platform's onnxruntime-node build can accelerate with, if any. */
function platformGpu(host: HostFacts): ExecutionProvider | undefined {
  if (host.platform === 'linux' && host.arch === 'x64') return 'cuda';
  if (host.platform === 'win32') return 'dml';
  if (host.platform === 'darwin') return 'coreml';
  return undefined;
}

/** onnxruntime-node builds that include the WebGPU provider (Dawn over Vulkan, D3D12 or Metal). */
function webgpuBuilt(host: HostFacts): boolean {
  if (host.platform === 'linux') return host.arch === 'x64';
  return host.platform === 'win32' || host.platform === 'darwin';
}

// Vulkan drivers that draw on the CPU (Mesa's lavapipe, Google's SwiftShader): WebGPU runs on them, but
// measured here far slower than onnxruntime's own CPU kernels (ViT-B/32: ~6 s an image after a 34 s
// first one, against ~0.07 s), so `auto` never picks them.
const SOFTWARE_VULKAN = /lvp|lavapipe|swiftshader/i;
const VULKAN_MANIFEST_DIRS = [
  '/etc/vulkan/icd.d',
  '/usr/share/vulkan/icd.d',
  '/usr/local/share/vulkan/icd.d',
];

/**
 * Linux only: a graphics card the WebGPU provider can reach, i.e. a GPU device node (Mesa's render
 * nodes, NVIDIA's driver) and a Vulkan driver for it that is not a CPU rasterizer. Mesa installs the
 * manifests of every driver it has whether or not the hardware is there, hence both conditions.
 */
export function hardwareVulkanGpu(host: HostFacts): boolean {
  const nodes = host.list('/dev/dri').some((n) => n.startsWith('renderD')) || host.exists('/dev/nvidia0');
  if (!nodes) return false;
  const manifests = host.vulkanDriverFiles
    ? host.vulkanDriverFiles.split(':').filter(Boolean)
    : VULKAN_MANIFEST_DIRS.flatMap((d) => host.list(d).filter((f) => f.endsWith('.json')));
  return manifests.some((m) => !SOFTWARE_VULKAN.test(m));
}

function cudaInstalled(host: HostFacts): boolean {
  return host.ortBinDir !== undefined && host.exists(join(host.ortBinDir, CUDA_PROVIDER_LIB));
}

const CUDA_INSTALL_HINT =
  "onnxruntime's CUDA provider is not installed (reinstall with LOOKBOOK_CUDA=1 npm install to fetch it)";

/**
 * `auto` tries, in order: the platform's native GPU provider (CUDA where its library is installed,
 * DirectML on Windows, CoreML on macOS), then WebGPU where a graphics card with a hardware Vulkan driver
 * is present (Linux; elsewhere the native provider already covers the GPU), then the CPU. `auto` does
 * not time the providers against each other: a real GPU is assumed faster than the CPU for a CLIP
 * tower, and a CPU-drawn Vulkan driver is known to be slower, so it is never chosen.
 */
export function planProvider(request: DeviceRequest, host: HostFacts = currentHost()): ProviderPlan {
  if (request === 'cpu') return { provider: 'cpu' };
  if (request === 'webgpu') {
    if (webgpuBuilt(host)) return { provider: 'webgpu' };
    return {
      provider: 'cpu',
      fallbackReason: `WebGPU is not available on ${host.platform}/${host.arch} in this build of onnxruntime; running on the CPU`,
    };
  }
  const gpu = platformGpu(host);
  if (request === 'auto') {
    if (gpu === undefined) return { provider: 'cpu' };
    if (gpu !== 'cuda') return { provider: gpu };
    if (cudaInstalled(host)) return { provider: 'cuda' };
    if (webgpuBuilt(host) && hardwareVulkanGpu(host)) return { provider: 'webgpu' };
    // No provider is a normal CPU-only machine; only mention it when an NVIDIA driver is visibly present.
    if (host.exists('/dev/nvidiactl'))
      return {
        provider: 'cpu',
        fallbackReason: `an NVIDIA GPU is present but ${CUDA_INSTALL_HINT}; running on the CPU`,
      };
    return { provider: 'cpu' };
  }
  if (request !== gpu) {
    return {
      provider: 'cpu',
      fallbackReason: `${providerLabel(request)} is not available on ${host.platform}/${host.arch} (this build offers ${gpu ? providerLabel(gpu) : 'no GPU provider'}); running on the CPU`,
    };
  }
  if (request === 'cuda' && !cudaInstalled(host)) {
    return {
      provider: 'cpu',
      fallbackReason: `CUDA was requested but ${CUDA_INSTALL_HINT}; running on the CPU`,
    };
  }
  return { provider: request };
}

// eslint-disable-next-line no-control-regex
const ANSI_COLOUR = /\u001b\[[0-9;]*m/g;

/** onnxruntime's messages carry ANSI colours and log prefixes; this keeps the first readable line. */
export function readableOrtMessage(error: unknown): string {
  const raw = error instanceof Error ? error.message : String(error);
  return raw.replace(ANSI_COLOUR, '').split('\n')[0]!.trim().slice(0, 300);
}

/** The reason shown when creating a session with a planned GPU provider threw. */
export function sessionFailureReason(provider: ExecutionProvider, error: unknown): string {
  return `${providerLabel(provider)} could not start (${withoutSourceLocation(readableOrtMessage(error))}); running on the CPU`;
}

/**
 * onnxruntime's checks read `/onnxruntime_src/…/file.cc:136 Function(…)::<lambda()> cond was false.
 * Failed to get a WebGPU adapter: No supported adapters`: only the last sentence is for a person.
 */
function withoutSourceLocation(message: string): string {
  const m = /^\S+\.(?:cc|cpp|h):\d+ .* (?:was false|failed)\.\s*(.+)$/.exec(message);
  return m ? m[1]! : message;
}
