// onnxruntime 1.30's Linux build carries Microsoft's 1DS telemetry, which uploads usage events
// (mobile.events.data.microsoft.com) and honours HTTPS_PROXY. Lookbook promises that nothing leaves the
// machine, so it is switched off through the variable the library reads when its environment starts.
// This module must be imported before onnxruntime-node, in every thread that loads it: ES modules
// evaluate their imports in order, so `import './ort-privacy.js'` first is enough.
process.env.ORT_DISABLE_TELEMETRY = '1';

export {};
