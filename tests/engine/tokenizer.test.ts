import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadClipTokenizer, padIds, truncateKeepingEnd } from '../../main/engine/tokenizer.js';
import { SHARED, readJson } from './fixtures.js';

type Golden = Record<'openai_bpe' | 'chinese_bert', { text: string; ids: number[] }[]>;
const golden = readJson<Golden>(join(SHARED, 'fixtures', 'tokenizer_golden.json'));

test('OpenAI CLIP BPE reproduces every reference id', async () => {
  const tok = await loadClipTokenizer(join(SHARED, 'clip', 'openai-bpe', 'tokenizer.json'), {
    contextLength: 77,
    padId: 49407,
  });
  assert.ok(golden.openai_bpe.length > 0);
  for (const { text, ids } of golden.openai_bpe) assert.deepEqual(tok.encode(text), ids, text);
});

test('Chinese-CLIP BERT reproduces every reference id', async () => {
  const tok = await loadClipTokenizer(join(SHARED, 'clip', 'chinese-bert', 'tokenizer.json'), {
    contextLength: 52,
    padId: 0,
  });
  assert.ok(golden.chinese_bert.length > 0);
  for (const { text, ids } of golden.chinese_bert) assert.deepEqual(tok.encode(text), ids, text);
});

test('a long text is cut to the context length and still ends with the end token', async () => {
  const bpe = await loadClipTokenizer(join(SHARED, 'clip', 'openai-bpe', 'tokenizer.json'), {
    contextLength: 77,
    padId: 49407,
  });
  const ids = bpe.encode('a very long caption about a red dress '.repeat(40));
  assert.equal(ids.length, 77);
  assert.equal(ids[0], 49406);
  assert.equal(ids[76], 49407);

  const bert = await loadClipTokenizer(join(SHARED, 'clip', 'chinese-bert', 'tokenizer.json'), {
    contextLength: 52,
    padId: 0,
  });
  const zh = bert.encode('海边的日落'.repeat(40));
  assert.equal(zh.length, 52);
  assert.equal(zh[0], 101);
  assert.equal(zh[51], 102);
});

test('truncation and padding helpers', () => {
  assert.deepEqual(truncateKeepingEnd([1, 2, 3, 4, 9], 3), [1, 2, 9]);
  assert.deepEqual(truncateKeepingEnd([1, 9], 3), [1, 9]);
  assert.deepEqual(padIds([1, 9], 5, 0), [1, 9, 0, 0, 0]);
});

test('an unreadable tokenizer file is a clear error', async () => {
  await assert.rejects(
    loadClipTokenizer(join(SHARED, 'no-such-tokenizer.json'), { contextLength: 77, padId: 0 }),
    (e: Error) => e.name === 'UserError' && /no-such-tokenizer\.json/.test(e.message),
  );
});
