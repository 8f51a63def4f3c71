// Peer: transformers.js as its documentation shows it (AutoProcessor, CLIPVisionModelWithProjection,
// RawImage.read), batches of 16, on the CPU. Copied by bench/peers/install.ts into the folder where
// @huggingface/transformers is installed (bench/out/peers/transformers-js), so that it resolves from there.
// usage: PEER_MODEL_DIR=<parent of the model folder> PEER_MODEL=<folder name>
//        node transformers-js.mjs <photo-dir> [--model-only] [--dtype fp32|q8]
// Prints one JSON line. `--dtype q8` loads onnx/vision_model_quantized.onnx, transformers.js's int8 file.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { AutoProcessor, CLIPVisionModelWithProjection, RawImage, env } from '@huggingface/transformers';

env.allowRemoteModels = false;
env.localModelPath = process.env.PEER_MODEL_DIR ?? '.';
const MODEL = process.env.PEER_MODEL ?? 'vit-b-32';
const BATCH = 16;
const argv = process.argv.slice(2);
const dir = argv[0];
const modelOnly = argv.includes('--model-only');
const dtype = argv.includes('--dtype') ? argv[argv.indexOf('--dtype') + 1] : 'fp32';
const rounds = Number(process.env.PEER_ROUNDS ?? 4);
const files = readdirSync(dir)
  .filter((f) => /\.jpe?g$/i.test(f))
  .sort()
  .map((f) => join(dir, f));

const t0 = performance.now();
const processor = await AutoProcessor.from_pretrained(MODEL, { local_files_only: true });
const model = await CLIPVisionModelWithProjection.from_pretrained(MODEL, {
  local_files_only: true,
  device: 'cpu',
  dtype,
});
const loadMs = performance.now() - t0;

if (modelOnly) {
  // The model call alone on one preprocessed batch: one warm-up, then timed rounds.
  // A full batch even from fewer photos (repeated, as the engine's model-only phase does): the
  // figures below are per image of a batch of BATCH.
  const loaded = await Promise.all(files.slice(0, BATCH).map((p) => RawImage.read(p)));
  if (loaded.length === 0) throw new Error(`no JPEGs in ${dir}`);
  const images = Array.from({ length: BATCH }, (_, i) => loaded[i % loaded.length]);
  const inputs = await processor(images);
  await model(inputs);
  const perRound = [];
  const cpuMsPerImage = [];
  for (let r = 0; r < rounds; r++) {
    const c0 = process.cpuUsage();
    const s = performance.now();
    await model(inputs);
    const sec = (performance.now() - s) / 1000;
    const c = process.cpuUsage(c0);
    perRound.push(BATCH / sec);
    cpuMsPerImage.push((c.user + c.system) / 1000 / BATCH);
  }
  console.log(JSON.stringify({ mode: 'model-only', dtype, batch: BATCH, perRound, cpuMsPerImage }));
  process.exit(0);
}

let embeds = 0;
let modelMs = 0;
for (let i = 0; i < files.length; i += BATCH) {
  const batch = files.slice(i, i + BATCH);
  const images = await Promise.all(batch.map((p) => RawImage.read(p)));
  const inputs = await processor(images);
  const s = performance.now();
  const { image_embeds } = await model(inputs);
  modelMs += performance.now() - s;
  embeds += image_embeds.dims[0];
}
console.log(JSON.stringify({ mode: 'pipeline', dtype, images: files.length, embeds, loadMs, modelMs }));
