// Which device runs the model: what the user may ask for and what the engine reports back. Defined
// once here; main/engine/types.ts and main/api/types.ts re-export it. Kept apart from engine/types.ts
// because the renderer's type check reads this file (through api/types.ts): it must stay plain
// TypeScript, with no Node types such as Buffer.

/** What the user may ask for (`--device`, settings), in the order help texts list them. */
export const DEVICE_REQUESTS = ['auto', 'cpu', 'cuda', 'dml', 'coreml', 'webgpu'] as const;
export type DeviceRequest = (typeof DEVICE_REQUESTS)[number];

/** An onnxruntime execution provider that actually runs the sessions: any request but 'auto'. */
export type ExecutionProvider = Exclude<DeviceRequest, 'auto'>;

/** Which device is in use, and why it is not the one asked for (shown to the user). */
export interface DeviceInfo {
  requested: DeviceRequest;
  provider: ExecutionProvider;
  /** Set when a GPU provider was wanted but the sessions run elsewhere: a sentence a person understands. */
  fallbackReason?: string;
}

/** How the app names the device that runs the model (the status bar, the Library view). */
const DEVICE_NAMES: Record<ExecutionProvider, string> = {
  cpu: 'CPU',
  cuda: 'GPU (CUDA)',
  dml: 'GPU (DirectML)',
  coreml: 'GPU (CoreML)',
  webgpu: 'GPU (WebGPU)',
};

export function deviceName(provider: ExecutionProvider): string {
  return DEVICE_NAMES[provider];
}

export function isDeviceRequest(value: unknown): value is DeviceRequest {
  return (DEVICE_REQUESTS as readonly unknown[]).includes(value);
}
