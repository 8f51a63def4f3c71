// Reads a CLIP model folder in either public ONNX layout into a ModelInfo plus the file paths the
// sessions and the tokenizer need. Only configuration is read here; the ONNX graphs themselves are
// inspected by the worker (input names, dtypes and shapes come from the session, not from assumptions).
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { UserError } from '../errors.js';
import type { ModelInfo, ModelLayout, PreprocessConfig } from './types.js';

export interface ModelFolder {
  info: ModelInfo;
  textModelPath: string;
  visionModelPath: string;
  tokenizerPath: string;
  /** The id the text model pads with (CLIP pads with end-of-text; BERT-style towers with [PAD]). */
  padId: number;
}

const CLIP_MEAN: [number, number, number] = [0.48145466, 0.4578275, 0.40821073];
const CLIP_STD: [number, number, number] = [0.26862954, 0.26130258, 0.27577711];
/** ln(1/0.07): transformers writes this initial value into every CLIP config; the trained scale lives in the weights. */
const HF_DEFAULT_LOGIT_SCALE_INIT = 2.6592;
/** Trained CLIP models converge to (and are clamped at) a temperature of 100. */
const DEFAULT_LOGIT_SCALE = 100;

type Json = Record<string, unknown>;

export function detectLayout(dir: string): ModelLayout | undefined {
  if (existsSync(join(dir, 'onnx', 'text_model.onnx')) || existsSync(join(dir, 'onnx', 'vision_model.onnx')))
    return 'hf';
  if (existsSync(join(dir, 'textual')) || existsSync(join(dir, 'visual'))) return 'immich';
  return undefined;
}

/**
 * Reads the model folder `dir`. `id` defaults to the folder's name. Throws a UserError naming the file
 * when something the layout needs is missing or unreadable, or when the folder matches neither layout.
 */
export async function readModelFolder(dir: string, id?: string): Promise<ModelFolder> {
  const root = resolve(dir);
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    throw new UserError(`model folder ${root} does not exist`, 'model-not-found');
  }
  const layout = detectLayout(root);
  if (!layout) {
    throw new UserError(
      `${root} is not a CLIP model folder: expected onnx/text_model.onnx and onnx/vision_model.onnx ` +
        `(Hugging Face/Optimum layout) or textual/model.onnx and visual/model.onnx (Immich layout)`,
      'model-invalid',
    );
  }
  const modelId = id ?? basename(root);
  return layout === 'hf' ? readHfFolder(root, modelId) : readImmichFolder(root, modelId);
}

async function readHfFolder(dir: string, id: string): Promise<ModelFolder> {
  const textModelPath = requireFile(dir, 'onnx/text_model.onnx');
  const visionModelPath = requireFile(dir, 'onnx/vision_model.onnx');
  const tokenizerPath = requireFile(dir, 'tokenizer.json');
  const config = await readJson(dir, 'config.json');
  const pre = await readJson(dir, 'preprocessor_config.json');
  const tokenizerConfig = existsSync(join(dir, 'tokenizer_config.json'))
    ? await readJson(dir, 'tokenizer_config.json')
    : undefined;
  const textConfig = obj(config.text_config);
  const visionConfig = obj(config.vision_config);

  const embedDim = num(config.projection_dim) ?? num(textConfig.projection_dim);
  if (embedDim === undefined) throw badConfig(dir, 'config.json', 'has no projection_dim');
  const contextLength = num(textConfig.max_position_embeddings) ?? 77;

  const padId = await resolveHfPadId(tokenizerPath, tokenizerConfig, textConfig);

  const logitInit = num(config.logit_scale_init_value);
  const lookbook = obj(config.lookbook);
  const logitScale =
    num(lookbook.logitScale) ??
    (logitInit !== undefined && Math.abs(logitInit - HF_DEFAULT_LOGIT_SCALE_INIT) > 1e-3
      ? Math.exp(logitInit)
      : DEFAULT_LOGIT_SCALE);

  return {
    info: {
      id,
      name: str(lookbook.name) ?? str(config._name_or_path) ?? id,
      dir,
      layout: 'hf',
      embedDim,
      contextLength,
      preprocess: hfPreprocess(dir, pre, num(visionConfig.image_size)),
      isDemo: lookbook.demo === true,
      logitScale,
    },
    textModelPath,
    visionModelPath,
    tokenizerPath,
    padId,
  };
}

function hfPreprocess(dir: string, pre: Json, imageSize: number | undefined): PreprocessConfig {
  const size = obj(pre.size);
  const crop = obj(pre.crop_size);
  const shortest = num(size.shortest_edge) ?? num(pre.size);
  const cropSize = num(crop.height) ?? num(pre.crop_size) ?? shortest ?? imageSize;
  const squashSize = num(size.height);
  const finalSize = pre.do_center_crop === false ? (squashSize ?? shortest) : (cropSize ?? squashSize);
  if (finalSize === undefined) throw badConfig(dir, 'preprocessor_config.json', 'has no size or crop_size');
  // PIL resample codes: 2 = bilinear, 3 = bicubic.
  const interpolation = pre.resample === 2 ? 'bilinear' : 'bicubic';
  return {
    size: finalSize,
    mean: triple(pre.image_mean) ?? CLIP_MEAN,
    std: triple(pre.image_std) ?? CLIP_STD,
    resizeMode: shortest !== undefined ? 'shortest' : 'squash',
    interpolation,
  };
}

async function resolveHfPadId(
  tokenizerPath: string,
  tokenizerConfig: Json | undefined,
  textConfig: Json,
): Promise<number> {
  const vocab = await readTokenizerVocab(tokenizerPath);
  const padToken = tokenName(tokenizerConfig?.pad_token);
  if (padToken !== undefined && vocab.has(padToken)) return vocab.get(padToken)!;
  // openai/clip-* configs carry transformers' legacy placeholders (bos 0, pad 1, eos 2) that are not the
  // tokenizer's ids; their tokenizer pads with <|endoftext|>. Trust the config only when it is not that.
  const legacyIds = textConfig.eos_token_id === 2;
  const pad = num(textConfig.pad_token_id);
  if (pad !== undefined && !legacyIds) return pad;
  const eot = vocab.get('<|endoftext|>');
  if (eot !== undefined) return eot;
  const eos = num(textConfig.eos_token_id);
  if (eos !== undefined && !legacyIds) return eos;
  return vocab.get('[PAD]') ?? 0;
}

async function readImmichFolder(dir: string, id: string): Promise<ModelFolder> {
  const textModelPath = requireFile(dir, 'textual/model.onnx');
  const visionModelPath = requireFile(dir, 'visual/model.onnx');
  const tokenizerPath = requireFile(dir, 'textual/tokenizer.json');
  const config = await readJson(dir, 'config.json');
  const tokenizerConfig = await readJson(dir, 'textual/tokenizer_config.json');
  const pre = await readJson(dir, 'visual/preprocess_cfg.json');
  const textCfg = obj(config.text_cfg);
  const visionCfg = obj(config.vision_cfg);

  const embedDim = num(config.embed_dim);
  if (embedDim === undefined) throw badConfig(dir, 'config.json', 'has no embed_dim');
  const contextLength = num(textCfg.context_length) ?? num(tokenizerConfig.model_max_length) ?? 77;

  const vocab = await readTokenizerVocab(tokenizerPath);
  const padToken = tokenName(tokenizerConfig.pad_token);
  let padId: number | undefined;
  if (padToken !== undefined) {
    padId = vocab.get(padToken);
    if (padId === undefined) {
      throw badConfig(
        dir,
        'textual/tokenizer_config.json',
        `names pad_token ${padToken}, which the tokenizer lacks`,
      );
    }
  }
  // open_clip's own tokenizer pads with 0 when no pad token is configured.
  padId ??= 0;

  const size = Array.isArray(pre.size) ? num(pre.size[0]) : (num(pre.size) ?? num(visionCfg.image_size));
  if (size === undefined) throw badConfig(dir, 'visual/preprocess_cfg.json', 'has no size');
  const resizeMode = pre.resize_mode ?? 'shortest';
  if (resizeMode !== 'shortest' && resizeMode !== 'squash') {
    throw badConfig(
      dir,
      'visual/preprocess_cfg.json',
      `uses resize_mode ${String(resizeMode)} (supported: shortest, squash)`,
    );
  }
  const lookbook = obj(config.lookbook);
  return {
    info: {
      id,
      name: str(lookbook.name) ?? id,
      dir,
      layout: 'immich',
      embedDim,
      contextLength,
      preprocess: {
        size,
        mean: triple(pre.mean) ?? CLIP_MEAN,
        std: triple(pre.std) ?? CLIP_STD,
        resizeMode,
        interpolation: pre.interpolation === 'bilinear' ? 'bilinear' : 'bicubic',
      },
      isDemo: lookbook.demo === true,
      logitScale: num(lookbook.logitScale) ?? num(config.logit_scale) ?? DEFAULT_LOGIT_SCALE,
    },
    textModelPath,
    visionModelPath,
    tokenizerPath,
    padId,
  };
}

function requireFile(dir: string, rel: string): string {
  const p = join(dir, rel);
  if (!existsSync(p)) throw new UserError(`model folder ${dir} is missing ${rel}`, 'model-invalid');
  return p;
}

async function readJson(dir: string, rel: string): Promise<Json> {
  const p = requireFile(dir, rel);
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(p, 'utf8'));
  } catch (e) {
    throw new UserError(
      `model folder ${dir}: ${rel} is not valid JSON (${(e as Error).message})`,
      'model-invalid',
      {
        cause: e,
      },
    );
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw badConfig(dir, rel, 'is not a JSON object');
  }
  return parsed as Json;
}

/** The token → id map of a tokenizer.json, added (special) tokens included. */
async function readTokenizerVocab(path: string): Promise<Map<string, number>> {
  let json: Json;
  try {
    json = JSON.parse(await readFile(path, 'utf8')) as Json;
  } catch (e) {
    throw new UserError(`${path} is not a readable tokenizer (${(e as Error).message})`, 'model-invalid', {
      cause: e,
    });
  }
  const vocab = new Map<string, number>();
  const modelVocab = obj(obj(json.model).vocab);
  for (const [token, id] of Object.entries(modelVocab)) if (typeof id === 'number') vocab.set(token, id);
  if (Array.isArray(json.added_tokens)) {
    for (const t of json.added_tokens as Json[]) {
      if (typeof t.content === 'string' && typeof t.id === 'number') vocab.set(t.content, t.id);
    }
  }
  return vocab;
}

function badConfig(dir: string, rel: string, what: string): UserError {
  return new UserError(`model folder ${dir}: ${rel} ${what}`, 'model-invalid');
}

function obj(v: unknown): Json {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {};
}
function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}
function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}
/** tokenizer_config.json writes special tokens either as strings or as AddedToken objects. */
function tokenName(v: unknown): string | undefined {
  return str(v) ?? str(obj(v).content);
}
function triple(v: unknown): [number, number, number] | undefined {
  if (!Array.isArray(v) || v.length !== 3 || !v.every((x) => typeof x === 'number')) return undefined;
  const [a, b, c] = v as number[];
  return [a!, b!, c!];
}
