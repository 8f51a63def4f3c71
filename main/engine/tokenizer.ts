// CLIP text tokenization on top of @huggingface/tokenizers: the tokenizer.json's own normalizer,
// pre-tokenizer, model and post-processor (start/end or [CLS]/[SEP] tokens), plus CLIP's truncation and
// padding rules, which tokenizer.json files of CLIP exports do not carry.
import { readFile } from 'node:fs/promises';
import { Tokenizer } from '@huggingface/tokenizers';
import { UserError } from '../errors.js';

export interface ClipTokenizer {
  readonly contextLength: number;
  readonly padId: number;
  /** Ids with the start and end tokens, truncated to the context length; never padded. */
  encode(text: string): number[];
}

export interface ClipTokenizerOptions {
  contextLength: number;
  padId: number;
}

export async function loadClipTokenizer(
  tokenizerJsonPath: string,
  options: ClipTokenizerOptions,
): Promise<ClipTokenizer> {
  let json: object;
  try {
    json = JSON.parse(await readFile(tokenizerJsonPath, 'utf8')) as object;
  } catch (e) {
    throw new UserError(
      `cannot read tokenizer ${tokenizerJsonPath}: ${(e as Error).message}`,
      'model-invalid',
      {
        cause: e,
      },
    );
  }
  return createClipTokenizer(json, options);
}

export function createClipTokenizer(
  tokenizerJson: object,
  { contextLength, padId }: ClipTokenizerOptions,
): ClipTokenizer {
  let tokenizer: Tokenizer;
  try {
    tokenizer = new Tokenizer(tokenizerJson, {});
  } catch (e) {
    throw new UserError(`unsupported tokenizer.json: ${(e as Error).message}`, 'model-invalid', { cause: e });
  }
  return {
    contextLength,
    padId,
    encode: (text) => truncateKeepingEnd(tokenizer.encode(text).ids, contextLength),
  };
}

/**
 * CLIP's rule (open_clip's tokenize, HF's CLIPTokenizer): cut to the context length but keep the
 * end-of-text token last, since the text tower pools the embedding at that position.
 */
export function truncateKeepingEnd(ids: number[], contextLength: number): number[] {
  if (ids.length <= contextLength) return ids;
  const out = ids.slice(0, contextLength - 1);
  out.push(ids[ids.length - 1]!);
  return out;
}

/** Pads `ids` with `padId` up to `length` (ids must already be at most `length` long). */
export function padIds(ids: readonly number[], length: number, padId: number): number[] {
  const out = ids.slice(0, length);
  while (out.length < length) out.push(padId);
  return out;
}
