import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PROMPT_TEMPLATES, fillTemplate } from '../../main/tagging/prompt-templates.js';
import type { NewPair, PairsStore } from '../../main/tuning/pairs-store.js';
import {
  DEFAULT_TAG_TEMPLATE,
  addPairsFromTags,
  captionForTag,
  type TagSource,
} from '../../main/tuning/tag-pairs.js';

// Tuning fills its tag templates itself (it must not import tagging): it must read exactly as tagging's
// prompts do, and its default must stay the first prompt of tagging's ensemble.
test('tag captions: the default is the first tagging prompt, filled as tagging fills it', () => {
  assert.equal(captionForTag(DEFAULT_TAG_TEMPLATE, 'dog'), fillTemplate(PROMPT_TEMPLATES[0]!, 'dog'));
  for (const template of [DEFAULT_TAG_TEMPLATE, '{label} and {label} again', '{} again', 'no placeholder'])
    assert.equal(captionForTag(template, 'red dress'), fillTemplate(template, 'red dress'));
  assert.equal(captionForTag('my {tag}, my {tag}', 'dog'), 'my dog, my dog');
});

test('confirmed tags become pairs through a TagSource: all confirmed labels, or the ones asked for', async () => {
  const confirmed: Record<string, string[]> = { dog: ['c1', 'c2'], beach: ['c2'] };
  const tags: TagSource = {
    confirmedLabels: async () => Object.keys(confirmed),
    confirmedContentIds: async (label) => confirmed[label] ?? [],
  };
  const added: NewPair[] = [];
  const pairs = {
    add: async (list: readonly NewPair[]) => {
      added.push(...list);
      return { inserted: list.length, existing: 0 };
    },
  } as Partial<PairsStore> as PairsStore;

  assert.deepEqual(await addPairsFromTags(tags, pairs), { imported: 3, existing: 0 });
  assert.deepEqual(
    added.map((p) => [p.contentId, p.text, p.source]),
    [
      ['c1', 'a photo of a dog.', 'tag'],
      ['c2', 'a photo of a dog.', 'tag'],
      ['c2', 'a photo of a beach.', 'tag'],
    ],
  );
  added.length = 0;
  assert.deepEqual(await addPairsFromTags(tags, pairs, { labels: ['beach'], template: 'at the {tag}' }), {
    imported: 1,
    existing: 0,
  });
  assert.deepEqual(added, [{ contentId: 'c2', text: 'at the beach', source: 'tag' }]);
  assert.deepEqual(await addPairsFromTags(tags, pairs, { labels: ['unknown'] }), {
    imported: 0,
    existing: 0,
  });
});
