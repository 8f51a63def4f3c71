// Which onnxruntime execution provider to try, per platform, and the sentence shown to the user when a
// GPU provider cannot be used. All device detection lives here; the worker only follows the plan.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { DeviceRequest, ExecutionProvider } from './types.js';

export interface HostFacts {
  platform: NodeJS.Platform;
  arch: string;
  /** onnxruntime-node's native folder for this platform (bin/napi-v6/<platform>/<arch>), if found. */
  ortBinDir?: string;
  exists: (path: string) => boolean;
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
};

export function currentHost(): HostFacts {
  return { platform: process.platform, arch: process.arch, ortBinDir: findOrtBinDir(), exists: existsSync };
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

function cudaInstalled(host: HostFacts): boolean {
  return host.ortBinDir !== undefined && host.exists(join(host.ortBinDir, CUDA_PROVIDER_LIB));
}

const CUDA_INSTALL_HINT =
  "onnxruntime's CUDA provider is not installed (reinstall with LOOKBOOK_CUDA=1 npm install to fetch it)";

export function planProvider(request: DeviceRequest, host: HostFacts = currentHost()): ProviderPlan {
  if (request === 'cpu') return { provider: 'cpu' };
  const gpu = platformGpu(host);
  if (request === 'auto') {
    if (gpu === undefined) return { provider: 'cpu' };
    if (gpu !== 'cuda') return { provider: gpu };
    if (cudaInstalled(host)) return { provider: 'cuda' };
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
  return `${providerLabel(provider)} could not start (${readableOrtMessage(error)}); running on the CPU`;
}
