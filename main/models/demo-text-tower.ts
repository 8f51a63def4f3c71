// The demo model's text tower and its tokenizer: a bag of token embeddings (the sum of rows of one
// table), where colour words have strong rows along their colour's direction and every other token a
// small pseudo-random row, so filler words barely move a query and unknown words stay distinguishable
// (what a fine-tuned adapter can learn to map onto colours). The tokenizer is a plain WordPiece one
// whose vocabulary is built here, so that common words are single tokens and any other word still
// tokenizes.
import { DEMO_COLOURS, DEMO_EMBED_DIM, type DemoColour } from './demo-colours.js';
import { createGraph } from './onnx-graph.js';
import { seededRandom } from './seeded-random.js';

export const DEMO_CONTEXT_LENGTH = 77;

const START_TOKEN = '<|startoftext|>';
const END_TOKEN = '<|endoftext|>';
const UNK_TOKEN = '[UNK]';

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
/** Every word the demo text tower gives a colour's direction: the only words it knows the meaning of. */
export const DEMO_COLOUR_WORDS: ReadonlySet<string> = new Set(
  Object.values(COLOUR_WORDS).flatMap(([primary, synonyms]) => [...primary, ...synonyms]),
);
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

/** The text tower: an attention-masked sum of token embeddings. */
export function demoTextModel(vocab: DemoVocabulary): Buffer {
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
