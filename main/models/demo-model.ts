// The demo model: a small, generated CLIP-shaped model that understands colours and nothing else. It lets
// Lookbook run end to end (indexing, search, tagging, fine-tuning) before a real CLIP model is downloaded,
// and gives tests a model whose right answers are known. It is written in the Hugging Face/Optimum layout,
// so it goes through exactly the same engine code as a real model.
//
// Vision tower: every 4x4 block of pixels is scored against colour prototypes (nearest prototype in a
// luma/chroma space, as a 1x1 convolution), a softmax over prototypes turns the scores into a soft
// assignment, and the mean over the image gives the colour proportions; colour k then maps onto its own
// embedding direction, so the dominant colour dominates the embedding. Text tower: a bag of token embeddings (the sum of rows of one
// table), where colour words have strong rows along their colour's direction and every other token a
// small pseudo-random row, so filler words barely move a query and unknown words stay distinguishable
// (what a fine-tuned adapter can learn to map onto colours).
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { createGraph } from './onnx-graph.js';

/** Bump when anything generated changes: existing demo folders with another version are regenerated. */
export const DEMO_MODEL_VERSION = 2;
export const DEMO_MODEL_NAME = 'Lookbook demo (colours only)';
export const DEMO_EMBED_DIM = 64;
export const DEMO_CONTEXT_LENGTH = 77;

/** The colours the demo model knows; colour i owns embedding direction i. */
export const DEMO_COLOURS = [
  'red',
  'orange',
  'yellow',
  'green',
  'blue',
  'purple',
  'pink',
  'brown',
  'black',
  'white',
  'gray',
] as const;
export type DemoColour = (typeof DEMO_COLOURS)[number];

const CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073] as const;
const CLIP_STD = [0.26862954, 0.26130258, 0.27577711] as const;
const IMAGE_SIZE = 224;
const START_TOKEN = '<|startoftext|>';
const END_TOKEN = '<|endoftext|>';
const UNK_TOKEN = '[UNK]';

// Several prototypes per colour (sRGB hex), so dark, light and saturated shades each land on their colour
// (navy is blue, not black; maroon is red, not brown). Chosen against a set of named web colours.
const PROTOTYPES: Record<DemoColour, string[]> = {
  red: ['e60000', 'ff0000', 'b40000', '8b0000', 'd2143c', 'c83232'],
  orange: ['ff8c00', 'ffa500', 'f07814', 'ff7828', 'e6781e'],
  yellow: ['ffff00', 'ffd700', 'f0dc3c', 'ffff8c', 'ffeb64'],
  green: ['00c800', '00ff00', '008000', '005000', '32cd32', '90ee90', '228b22', '6b8e23', '2e8b57', '9acd32'],
  blue: ['0000ff', '1e64dc', '000080', '4169e1', '87ceeb', '00bfff', '1e90ff', '4682b4', '000050', 'add8e6'],
  purple: ['800080', '8e44ad', '9932cc', '6a0dad', '9370db', '4b0082', 'c800c8', 'dda0dd', 'b57edc'],
  pink: ['ffc0cb', 'ff69b4', 'ff1493', 'ffb6c1', 'db7093', 'ff88aa'],
  brown: ['8b4513', 'a0522d', '654321', '7b3f00', '964b00', 'd2b48c', 'c08040', '503214', '6f4e37'],
  black: ['000000', '141414'],
  white: ['ffffff', 'f0f0ec', 'fffff0'],
  gray: ['808080', '505050', 'a9a9a9', 'c8c8c8', '708090'],
};
/** Chroma weight of the matching space: hue differences count more than brightness differences. */
const CHROMA_WEIGHT = 2;
/** Side of the pixel blocks averaged before scoring (a mean of normalized pixels is the normalized mean). */
const POOL = 4;
/** Softmax sharpness over squared distances: near-hard assignment of each pixel to one prototype. */
const SHARPNESS = 400;

// Words that mean a colour, with how strongly. Primary words and their plurals get full strength.
const COLOUR_WORDS: Record<DemoColour, [string[], string[]]> = {
  red: [
    ['red', 'reds'],
    ['reddish', 'crimson', 'scarlet', 'maroon', 'ruby'],
  ],
  orange: [
    ['orange', 'oranges'],
    ['orangey', 'orangish', 'amber', 'tangerine'],
  ],
  yellow: [
    ['yellow', 'yellows'],
    ['yellowish', 'gold', 'golden', 'lemon'],
  ],
  green: [
    ['green', 'greens'],
    ['greenish', 'lime', 'olive', 'emerald'],
  ],
  blue: [
    ['blue', 'blues'],
    ['bluish', 'blueish', 'navy', 'azure', 'cyan', 'turquoise'],
  ],
  purple: [
    ['purple', 'purples'],
    ['purplish', 'violet', 'lavender', 'magenta', 'lilac', 'indigo', 'mauve'],
  ],
  pink: [
    ['pink', 'pinks'],
    ['pinkish', 'rose', 'fuchsia', 'salmon'],
  ],
  brown: [
    ['brown', 'browns'],
    ['brownish', 'tan', 'beige', 'chocolate', 'chestnut', 'bronze'],
  ],
  black: [
    ['black', 'blacks'],
    ['blackish', 'ebony'],
  ],
  white: [
    ['white', 'whites'],
    ['whitish', 'ivory', 'snowy'],
  ],
  gray: [
    ['gray', 'grey', 'grays', 'greys'],
    ['grayish', 'greyish', 'silver', 'charcoal'],
  ],
};
const PRIMARY_STRENGTH = 1;
const SYNONYM_STRENGTH = 0.8;
/** Expected norm of a non-colour token's row: a few filler words stay well below one colour word. */
const FILLER_NORM = 0.2;

// Whole-word entries so that common words are one token each (and so one row each).
const COMMON_WORDS = `a an the of in on at to from with without and or but not no is are was were be been
this that these those it its my your our their his her there here what which who where when how why all
any some something anything nothing everything one two three four five six seven eight nine ten many few
more most very much little big small large tiny huge long short tall wide old new young dark light bright
pale deep soft hard warm cool cold hot wet dry clean dirty empty full open closed high low round square
flat sharp smooth rough shiny matte striped dotted plain colourful colorful colour color colours colors
coloured colored photo photos picture pictures image images shot snapshot selfie portrait landscape view
scene close up background foreground front back top bottom left right middle inside outside near far
person people man men woman women child children baby boy girl friend family group crowd face hand hands
eye eyes hair smile dog dogs cat cats bird birds fish horse cow sheep animal animals pet flower flowers
tree trees leaf leaves grass garden park forest field mountain mountains hill river lake sea ocean beach
sand water sky cloud clouds sun sunset sunrise moon star stars rain snow ice fog night day morning evening
summer winter spring autumn fall city street road car cars bus bike bicycle train boat plane house home
building wall door window roof room kitchen bedroom table chair bed sofa lamp book books cup glass bottle
plate food fruit apple banana cake bread coffee tea wine dress shirt shoes hat coat jacket bag phone
computer screen paper box ball toy game sign light lights fire smoke stone rock wood metal plastic
wedding party birthday holiday travel trip vacation christmas concert sport football art painting
drawing text document receipt screenshot map mirror sculpture statue church castle bridge tower sunny
cloudy snowy rainy happy sad funny cute beautiful pretty ugly best favourite favorite my mine me we us
you they them he she i am do does did have has had can could will would should may might just only also
really quite like as by for about over under between into onto through after before during while
`
  .split(/\s+/)
  .filter(Boolean);

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';
// Greek and Cyrillic letters (after lowercasing) so words in those scripts do not collapse onto [UNK].
const EXTRA_LETTERS = 'αβγδεζηθικλμνξοπρστυφχψωςабвгдеёжзийклмнопрстуфхцчшщъыьэюяіїєґ';
const DIGITS = '0123456789';
const PUNCTUATION = `!"#$%&'()*+,-./:;<=>?@[\\]^_\`{|}~`;

export interface DemoTokenizerOptions {
  /** Extra entries at the end of the vocabulary (before the start/end tokens), for vocab-size padding. */
  minVocabSize?: number;
}

export interface DemoVocabulary {
  /** Token strings by id; the start and end tokens are the last two (as in CLIP). */
  tokens: string[];
  startId: number;
  endId: number;
  unkId: number;
}

/** The demo tokenizer's vocabulary: WordPiece pieces, common words, colour words, then start/end. */
export function demoVocabulary(options: DemoTokenizerOptions = {}): DemoVocabulary {
  const tokens: string[] = [];
  const seen = new Set<string>();
  const add = (t: string) => {
    if (!seen.has(t)) {
      seen.add(t);
      tokens.push(t);
    }
  };
  add(UNK_TOKEN);
  for (const c of PUNCTUATION + DIGITS + LETTERS + EXTRA_LETTERS) add(c);
  // Continuation pieces: any word made of known characters tokenizes (WordPiece's greedy longest match),
  // and pairs of letters keep invented words apart ('blorf' is bl ##or ##f, 'florb' fl ##or ##b).
  for (const c of DIGITS + LETTERS + EXTRA_LETTERS) add(`##${c}`);
  for (const a of LETTERS) for (const b of LETTERS) add(a + b);
  for (const a of LETTERS) for (const b of LETTERS) add(`##${a}${b}`);
  for (const w of COMMON_WORDS) add(w);
  for (const colour of DEMO_COLOURS) for (const group of COLOUR_WORDS[colour]) for (const w of group) add(w);
  let filler = 0;
  while (options.minVocabSize !== undefined && tokens.length + 2 < options.minVocabSize) {
    add(`[unused${filler++}]`);
  }
  add(START_TOKEN);
  add(END_TOKEN);
  return { tokens, startId: tokens.length - 2, endId: tokens.length - 1, unkId: 0 };
}

/** A Hugging Face tokenizers `tokenizer.json` (WordPiece, lowercasing, CLIP-style start/end tokens). */
export function demoTokenizerJson(vocab: DemoVocabulary = demoVocabulary()): object {
  const special = (id: number, content: string) => ({
    id,
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [
      special(vocab.unkId, UNK_TOKEN),
      special(vocab.startId, START_TOKEN),
      special(vocab.endId, END_TOKEN),
    ],
    normalizer: {
      type: 'Sequence',
      normalizers: [{ type: 'NFD' }, { type: 'StripAccents' }, { type: 'Lowercase' }],
    },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [
        { SpecialToken: { id: START_TOKEN, type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: END_TOKEN, type_id: 0 } },
      ],
      pair: [
        { SpecialToken: { id: START_TOKEN, type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { Sequence: { id: 'B', type_id: 1 } },
        { SpecialToken: { id: END_TOKEN, type_id: 1 } },
      ],
      special_tokens: {
        [START_TOKEN]: { id: START_TOKEN, ids: [vocab.startId], tokens: [START_TOKEN] },
        [END_TOKEN]: { id: END_TOKEN, ids: [vocab.endId], tokens: [END_TOKEN] },
      },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: UNK_TOKEN,
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab: Object.fromEntries(vocab.tokens.map((t, i) => [t, i])),
    },
  };
}

/** `tokenizer_config.json` for the demo tokenizer (the engine reads the pad token from it). */
export function demoTokenizerConfig(contextLength = DEMO_CONTEXT_LENGTH): object {
  return {
    tokenizer_class: 'PreTrainedTokenizerFast',
    model_max_length: contextLength,
    bos_token: START_TOKEN,
    eos_token: END_TOKEN,
    pad_token: END_TOKEN,
    unk_token: UNK_TOKEN,
    do_lower_case: true,
    clean_up_tokenization_spaces: true,
  };
}

/** The HF CLIP image processor settings every CLIP export ships (224 px, bicubic, CLIP mean/std). */
export function clipPreprocessorConfig(size = IMAGE_SIZE): object {
  return {
    crop_size: { height: size, width: size },
    do_center_crop: true,
    do_convert_rgb: true,
    do_normalize: true,
    do_rescale: true,
    do_resize: true,
    image_mean: [...CLIP_MEAN],
    image_std: [...CLIP_STD],
    image_processor_type: 'CLIPImageProcessor',
    resample: 3,
    rescale_factor: 1 / 255,
    size: { shortest_edge: size },
  };
}

/** A small deterministic PRNG (mulberry32) with Gaussian draws, seeded from a string. */
export function seededRandom(seed: string | number): { uniform(): number; gaussian(): number } {
  let state = typeof seed === 'number' ? seed >>> 0 : fnv1a(seed);
  const uniform = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    uniform,
    gaussian() {
      // Box-Muller; 1 - u keeps the logarithm finite.
      const u = 1 - uniform();
      const v = uniform();
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    },
  };
}

function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** The text tower's embedding table [vocab, D]: one row per token, summed over the query. */
function textEmbeddingTable(vocab: DemoVocabulary): Float32Array {
  const d = DEMO_EMBED_DIM;
  const table = new Float32Array(vocab.tokens.length * d);
  const colourOf = new Map<string, [number, number]>();
  DEMO_COLOURS.forEach((colour, k) => {
    const [primary, synonyms] = COLOUR_WORDS[colour];
    for (const w of primary) colourOf.set(w, [k, PRIMARY_STRENGTH]);
    for (const w of synonyms) colourOf.set(w, [k, SYNONYM_STRENGTH]);
  });
  vocab.tokens.forEach((token, id) => {
    // Start, end (also the padding) contribute nothing, so padding and the added tokens are harmless.
    if (id === vocab.startId || id === vocab.endId) return;
    const row = table.subarray(id * d, (id + 1) * d);
    const colour = colourOf.get(token);
    if (colour) {
      row[colour[0]] = colour[1];
      return;
    }
    // Seeded by the token itself, so a row never changes when other words join the vocabulary.
    const rng = seededRandom(`lookbook-demo-token:${token}`);
    const scale = FILLER_NORM / Math.sqrt(d);
    for (let j = 0; j < d; j++) row[j] = rng.gaussian() * scale;
  });
  return table;
}

function demoTextModel(vocab: DemoVocabulary): Buffer {
  const g = createGraph({
    name: 'lookbook_demo_text',
    docString: 'Lookbook demo text tower: attention-masked sum of token embeddings.',
  });
  const ids = g.input('input_ids', 'int64', ['batch', 'sequence']);
  const mask = g.input('attention_mask', 'int64', ['batch', 'sequence']);
  const table = g.initializer('token_embedding', 'float32', [vocab.tokens.length, DEMO_EMBED_DIM], () =>
    textEmbeddingTable(vocab),
  );
  const rows = g.op('Gather', [table, ids], { axis: 0 }); // [B, S, D]
  const weights = g.op('Unsqueeze', [g.op('Cast', [mask], { to: 1 }), g.constInt64([2])]); // [B, S, 1]
  const summed = g.op('ReduceSum', [g.op('Mul', [rows, weights]), g.constInt64([1])], { keepdims: 0 });
  g.op('Identity', [summed], {}, 'text_embeds');
  g.output('text_embeds', 'float32', ['batch', DEMO_EMBED_DIM]);
  return g.toBuffer();
}

/** Every prototype with its colour's index and its sRGB value in 0..1. */
function prototypeList(): { colour: number; rgb: [number, number, number] }[] {
  return DEMO_COLOURS.flatMap((colour, k) =>
    PROTOTYPES[colour].map((hex) => ({
      colour: k,
      rgb: [0, 2, 4].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255) as [number, number, number],
    })),
  );
}

// Luma and two opponent chroma axes (red-green, yellow-blue), chroma weighted: distances in this space
// separate hues better than plain RGB distances, which are dominated by brightness.
const MATCH_SPACE = [
  [0.299, 0.587, 0.114],
  [CHROMA_WEIGHT / 2, -CHROMA_WEIGHT / 2, 0],
  [CHROMA_WEIGHT / 3, CHROMA_WEIGHT / 3, (-2 * CHROMA_WEIGHT) / 3],
] as const;

function demoVisionModel(): Buffer {
  const protos = prototypeList();
  const k = protos.length;
  // Metric M = AᵀA of the matching space. score_k(x) = s·(2xᵀMc_k − c_kᵀMc_k) = −s·|A(x−c_k)|² + (terms
  // equal for every k), so the softmax over k is a soft nearest-prototype assignment. x is recovered from
  // the normalized input (x = x̂·std + mean), folded into the 1x1 convolution's weights and bias.
  const metric = [0, 1, 2].map((i) =>
    [0, 1, 2].map((j) => MATCH_SPACE.reduce((sum, row) => sum + row[i]! * row[j]!, 0)),
  );
  const weight = new Float32Array(k * 3);
  const bias = new Float32Array(k);
  protos.forEach(({ rgb: c }, p) => {
    const mc = [0, 1, 2].map((i) => metric[i]!.reduce((sum, m, j) => sum + m * c[j]!, 0));
    const cMc = mc.reduce((sum, v, i) => sum + v * c[i]!, 0);
    let b = -SHARPNESS * cMc;
    for (let ch = 0; ch < 3; ch++) {
      const w = 2 * SHARPNESS * mc[ch]!;
      weight[p * 3 + ch] = w * CLIP_STD[ch]!;
      b += w * CLIP_MEAN[ch]!;
    }
    bias[p] = b;
  });
  const projection = new Float32Array(k * DEMO_EMBED_DIM);
  protos.forEach(({ colour }, p) => (projection[p * DEMO_EMBED_DIM + colour] = 1));

  const g = createGraph({
    name: 'lookbook_demo_vision',
    docString: 'Lookbook demo vision tower: per-pixel colour prototypes, softmax, mean colour proportions.',
  });
  const pixels = g.input('pixel_values', 'float32', ['batch', 3, IMAGE_SIZE, IMAGE_SIZE]);
  const w = g.initializer('prototype_weight', 'float32', [k, 3, 1, 1], weight);
  const b = g.initializer('prototype_bias', 'float32', [k], bias);
  // Colour proportions do not need every pixel: 4x4 blocks (56x56 cells) cost 16 times less to score.
  const cells = g.op('AveragePool', [pixels], { kernel_shape: [POOL, POOL], strides: [POOL, POOL] });
  const scores = g.op('Conv', [cells, w, b], { kernel_shape: [1, 1] }); // [B, K, 56, 56]
  const assignment = g.op('Softmax', [scores], { axis: 1 });
  const proportions = g.op('ReduceMean', [assignment], { axes: [2, 3], keepdims: 0 }); // [B, K]
  const p = g.initializer('colour_projection', 'float32', [k, DEMO_EMBED_DIM], projection);
  g.op('MatMul', [proportions, p], {}, 'image_embeds');
  g.output('image_embeds', 'float32', ['batch', DEMO_EMBED_DIM]);
  return g.toBuffer();
}

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
      image_size: IMAGE_SIZE,
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
  // Dot-folders beside the target: model listings skip work in progress.
  const scratch = (kind: string) =>
    join(parent, `.${basename(target)}.${kind}-${process.pid}-${randomBytes(4).toString('hex')}`);
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
