// The demo model: a small, generated CLIP-shaped model that understands colours and nothing else. It lets
// Lookbook run end to end (indexing, search, tagging, fine-tuning) before a real CLIP model is downloaded,
// and gives tests a model whose right answers are known. It is written in the Hugging Face/Optimum layout,
// so it goes through exactly the same engine code as a real model.
//
// This file assembles the model folder and keeps it current; what each tower computes is in
// demo-text-tower.ts (tokenizer and bag of token embeddings) and demo-vision-tower.ts (colour
// prototypes), the colours and their embedding directions in demo-colours.ts.
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { tempPathFor } from '../temp-files.js';
import { DEMO_EMBED_DIM } from './demo-colours.js';
import {
  DEMO_CONTEXT_LENGTH,
  demoTextModel,
  demoTokenizerConfig,
  demoTokenizerJson,
  demoVocabulary,
  type DemoVocabulary,
} from './demo-text-tower.js';
import { clipPreprocessorConfig, DEMO_IMAGE_SIZE, demoVisionModel } from './demo-vision-tower.js';

// The demo model's public surface stays importable from here, whichever file defines it.
export { DEMO_COLOURS, DEMO_EMBED_DIM, type DemoColour } from './demo-colours.js';
export {
  DEMO_CONTEXT_LENGTH,
  demoTokenizerConfig,
  demoTokenizerJson,
  demoVocabulary,
  type DemoTokenizerOptions,
  type DemoVocabulary,
} from './demo-text-tower.js';
export { clipPreprocessorConfig } from './demo-vision-tower.js';
export { seededRandom } from './seeded-random.js';

/** Bump when anything generated changes: existing demo folders with another version are regenerated. */
export const DEMO_MODEL_VERSION = 2;
export const DEMO_MODEL_NAME = 'Lookbook demo (colours only)';

function demoConfig(vocab: DemoVocabulary): object {
  return {
    model_type: 'clip',
    architectures: ['CLIPModel'],
    projection_dim: DEMO_EMBED_DIM,
    // ln(100): the temperature trained CLIP models end with, so zero-shot tagging behaves the same.
    logit_scale_init_value: Math.log(100),
    text_config: {
      model_type: 'clip_text_model',
      vocab_size: vocab.tokens.length,
      hidden_size: DEMO_EMBED_DIM,
      projection_dim: DEMO_EMBED_DIM,
      max_position_embeddings: DEMO_CONTEXT_LENGTH,
      bos_token_id: vocab.startId,
      eos_token_id: vocab.endId,
      pad_token_id: vocab.endId,
    },
    vision_config: {
      model_type: 'clip_vision_model',
      image_size: DEMO_IMAGE_SIZE,
      num_channels: 3,
      hidden_size: DEMO_EMBED_DIM,
      projection_dim: DEMO_EMBED_DIM,
    },
    lookbook: { demo: true, name: DEMO_MODEL_NAME, version: DEMO_MODEL_VERSION, logitScale: 100 },
  };
}

const DEMO_FILES = [
  'config.json',
  'tokenizer.json',
  'tokenizer_config.json',
  'preprocessor_config.json',
  'onnx/text_model.onnx',
  'onnx/vision_model.onnx',
];

/** Every file of the demo model, by relative path. Deterministic: the same bytes on every call. */
export function demoModelFiles(): Map<string, Buffer> {
  const vocab = demoVocabulary();
  const json = (value: object) => Buffer.from(`${JSON.stringify(value, null, 2)}\n`);
  return new Map([
    ['config.json', json(demoConfig(vocab))],
    ['tokenizer.json', json(demoTokenizerJson(vocab))],
    ['tokenizer_config.json', json(demoTokenizerConfig())],
    ['preprocessor_config.json', json(clipPreprocessorConfig())],
    ['onnx/text_model.onnx', demoTextModel(vocab)],
    ['onnx/vision_model.onnx', demoVisionModel()],
  ]);
}

async function isCurrent(dir: string): Promise<boolean> {
  try {
    const config = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')) as {
      lookbook?: { version?: unknown };
    };
    if (config.lookbook?.version !== DEMO_MODEL_VERSION) return false;
  } catch {
    return false;
  }
  return DEMO_FILES.every((p) => existsSync(join(dir, p)));
}

/**
 * Makes sure `dir` holds the current demo model and returns its absolute path. Generates it when missing
 * or when its version stamp differs, into a temporary sibling folder that is then renamed into place, so a
 * crash or a concurrent call never leaves a half-written model behind.
 */
export async function ensureDemoModel(dir: string): Promise<string> {
  const target = resolve(dir);
  if (await isCurrent(target)) return target;
  const parent = dirname(target);
  await mkdir(parent, { recursive: true });
  // Dot-folders beside the target (see [Note: temporary files]): model listings skip work in progress.
  const scratch = (kind: string) => tempPathFor(`${target}-${kind}`);
  const temp = scratch('tmp');
  try {
    for (const [path, bytes] of demoModelFiles()) {
      await mkdir(dirname(join(temp, path)), { recursive: true });
      await writeFile(join(temp, path), bytes);
    }
    for (let attempt = 1; ; attempt++) {
      if (await isCurrent(target)) return target; // a concurrent call finished first: same bytes
      try {
        await rename(temp, target);
        return target;
      } catch (e) {
        if (attempt >= 5) {
          throw new Error(`cannot install the demo model into ${target}: ${(e as Error).message}`, {
            cause: e,
          });
        }
      }
      // An out-of-date model is in the way. Move it aside atomically before deleting it, so the target
      // is never a half-deleted folder that a concurrent call could mistake for, or mix with, its own.
      const old = scratch('old');
      try {
        await rename(target, old);
      } catch {
        // Already moved or replaced by a concurrent call; the next attempt looks again.
      }
      await rm(old, { recursive: true, force: true });
    }
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}
