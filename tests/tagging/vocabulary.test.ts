import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PROMPT_TEMPLATES, GENERIC_PROMPTS } from '../../main/tagging/prompt-templates.js';
import { builtinVocabulary, builtinVocabularyNames } from '../../main/tagging/builtin-vocabularies.js';
import { parseVocabulary, promptsForLabel, vocabularyContentHash } from '../../main/tagging/vocabulary.js';
import { createVocabularyStore } from '../../main/tagging/vocabulary-store.js';
import { UserError } from '../../main/errors.js';
import { tempDir } from './colour-photos.js';

test('the shipped templates are verbatim templates of the CLIP paper', async () => {
  const paper = JSON.parse(await readFile('../shared/clip/imagenet_prompts.json', 'utf8')) as {
    templates: string[];
  };
  assert.equal(paper.templates.length, 80);
  assert.ok(PROMPT_TEMPLATES.length >= 8, 'an ensemble, not one prompt');
  for (const t of PROMPT_TEMPLATES)
    assert.ok(paper.templates.includes(t), `"${t}" is not one of the paper's templates`);
  assert.ok(PROMPT_TEMPLATES.includes('a photo of a {}.'));
  assert.deepEqual(GENERIC_PROMPTS, ['a photo.']);
});

test('built-in vocabularies: everyday, products and colours', () => {
  assert.deepEqual(builtinVocabularyNames(), ['everyday', 'products', 'colours']);
  const everyday = builtinVocabulary('everyday')!;
  assert.ok(everyday.labels.length >= 250, `everyday has ${everyday.labels.length} labels`);
  const everydayLabels = everyday.labels.map((l) => l.label);
  for (const l of [
    'beach',
    'dog',
    'cat',
    'pizza',
    'birthday party',
    'receipt',
    'screenshot',
    'document',
    'car',
  ]) {
    assert.ok(everydayLabels.includes(l), l);
  }
  const products = builtinVocabulary('products')!.labels.map((l) => l.label);
  for (const l of [
    't-shirt',
    'sweater',
    'jacket',
    'coat',
    'dress',
    'skirt',
    'jeans',
    'shoes',
    'sneakers',
    'boots',
    'sandals',
    'bag',
    'hat',
    'jewellery',
    'sofa',
    'laptop',
  ]) {
    assert.ok(products.includes(l), l);
  }
  assert.deepEqual(
    builtinVocabulary('colors')!.labels.map((l) => l.label),
    ['red', 'orange', 'yellow', 'green', 'blue', 'purple', 'pink', 'brown', 'black', 'white', 'gray'],
  );
  // Built-ins are valid vocabularies with no duplicate labels.
  for (const name of builtinVocabularyNames()) {
    const v = builtinVocabulary(name)!;
    const keys = v.labels.map((l) => l.label.toLowerCase());
    assert.equal(new Set(keys).size, keys.length, `${name} has duplicate labels`);
  }
});

test('plain text: one label per line, "|" adds synonyms, comments and blanks ignored, duplicates merged', () => {
  const { vocabulary, warnings } = parseVocabulary(
    '\uFEFF# my labels\r\nsofa | couch | settee\n\n  Dog  \ncat\ndog | puppy\n',
    'txt',
    'home',
  );
  assert.deepEqual(vocabulary.labels, [
    { label: 'sofa', synonyms: ['couch', 'settee'] },
    { label: 'Dog', synonyms: ['puppy'] },
    { label: 'cat' },
  ]);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /line 6: "dog" appears more than once/);
});

test('CSV: header optional, quoted fields, synonyms and custom prompts per label', () => {
  const csv = [
    'label,synonyms,prompt',
    'sneakers,trainers;running shoes,',
    '"jacket, leather","biker jacket","a product photo of a {} on white|a leather jacket"',
    'hat,,',
  ].join('\n');
  const { vocabulary } = parseVocabulary(csv, 'csv', 'shop');
  assert.deepEqual(vocabulary.labels, [
    { label: 'sneakers', synonyms: ['trainers', 'running shoes'] },
    {
      label: 'jacket, leather',
      synonyms: ['biker jacket'],
      prompts: ['a product photo of a {} on white', 'a leather jacket'],
    },
    { label: 'hat' },
  ]);
  // Without a header, columns are label, synonyms, prompt.
  const bare = parseVocabulary('red,crimson\nblue\n', 'csv', 'c').vocabulary;
  assert.deepEqual(bare.labels, [{ label: 'red', synonyms: ['crimson'] }, { label: 'blue' }]);
  // A header may reorder the columns.
  const reordered = parseVocabulary('prompt,label\na photo of something red,red\n', 'csv', 'c').vocabulary;
  assert.deepEqual(reordered.labels, [{ label: 'red', prompts: ['a photo of something red'] }]);
});

test('JSON: strings, objects with synonyms and prompt(s), or {name, description, labels}', () => {
  const list = parseVocabulary(
    '["red", {"label": "blue", "synonyms": ["navy"], "prompt": "a {} thing"}]',
    'json',
    'j',
  );
  assert.deepEqual(list.vocabulary.labels, [
    { label: 'red' },
    { label: 'blue', synonyms: ['navy'], prompts: ['a {} thing'] },
  ]);
  const obj = parseVocabulary(
    JSON.stringify({
      name: 'ignored',
      description: 'Mine',
      labels: [{ name: 'green', prompts: ['grass', 'a {} leaf'] }],
    }),
    'json',
    'j',
  );
  assert.equal(obj.vocabulary.description, 'Mine');
  assert.equal(obj.vocabulary.name, 'j');
  assert.deepEqual(obj.vocabulary.labels, [{ label: 'green', prompts: ['grass', 'a {} leaf'] }]);
});

test('bad vocabularies get clear errors', () => {
  assert.throws(
    () => parseVocabulary('{"labels": 3}', 'json', 'x'),
    (e) => e instanceof UserError && /list of labels/.test(e.message),
  );
  assert.throws(() => parseVocabulary('[1]', 'json', 'x'), /JSON label 1 is neither text nor an object/);
  assert.throws(() => parseVocabulary('{oops', 'json', 'x'), /not valid JSON/);
  assert.throws(() => parseVocabulary('# only a comment\n', 'txt', 'x'), /has no labels/);
  assert.throws(() => parseVocabulary('"unclosed,a\n', 'csv', 'x'), /unclosed quote/);
  assert.throws(() => parseVocabulary('red', 'txt', 'Bad Name'), /not a valid vocabulary name/);
});

test('prompt ensembles: templates × (label + synonyms), or the custom prompts', () => {
  const plain = promptsForLabel({ label: 'sofa', synonyms: ['couch'] });
  assert.equal(plain.length, PROMPT_TEMPLATES.length * 2);
  assert.ok(plain.includes('a photo of a sofa.') && plain.includes('a photo of a couch.'));
  assert.deepEqual(
    promptsForLabel({ label: 'red', synonyms: ['crimson'], prompts: ['a {} wall', 'something red'] }),
    ['a red wall', 'a crimson wall', 'something red'],
  );
  // The content hash follows what changes the embeddings, not the name or description.
  const a = { name: 'a', labels: [{ label: 'red' }] };
  assert.equal(vocabularyContentHash(a), vocabularyContentHash({ ...a, name: 'b', description: 'x' }));
  assert.notEqual(
    vocabularyContentHash(a),
    vocabularyContentHash({ name: 'a', labels: [{ label: 'red', synonyms: ['crimson'] }] }),
  );
});

test('vocabulary store: import txt/csv/json files into <dataDir>/vocabularies, list, get, replace, remove', async () => {
  const tmp = await tempDir('vocab');
  try {
    const store = createVocabularyStore(tmp.path);
    await writeFile(join(tmp.path, 'My Shop.csv'), 'label,synonyms\nsneakers,trainers\nboots,\n');
    await writeFile(join(tmp.path, 'pets.txt'), 'dog|puppy\ncat\n');
    await writeFile(
      join(tmp.path, 'moods.json'),
      '{"description": "Moods", "labels": ["calm", {"label": "busy", "prompt": "a crowded {} scene"}]}',
    );
    const shop = await store.importFile(join(tmp.path, 'My Shop.csv'));
    assert.equal(shop.vocabulary.name, 'my-shop');
    assert.equal(shop.replaced, false);
    await store.importFile(join(tmp.path, 'pets.txt'));
    await store.importFile(join(tmp.path, 'moods.json'), { name: 'feelings' });
    assert.deepEqual((await readdir(store.dir)).sort(), ['feelings.json', 'my-shop.json', 'pets.json']);

    const list = await store.list();
    assert.deepEqual(
      list.map((v) => [v.name, v.labelCount, v.builtin]),
      [
        ['everyday', builtinVocabulary('everyday')!.labels.length, true],
        ['products', builtinVocabulary('products')!.labels.length, true],
        ['colours', 11, true],
        ['feelings', 2, false],
        ['my-shop', 2, false],
        ['pets', 2, false],
      ],
    );
    assert.deepEqual((await store.get('pets')).labels, [
      { label: 'dog', synonyms: ['puppy'] },
      { label: 'cat' },
    ]);
    assert.deepEqual((await store.get('feelings')).labels[1], {
      label: 'busy',
      prompts: ['a crowded {} scene'],
    });

    // Importing over an existing name needs replace; built-in names are reserved.
    await assert.rejects(store.importFile(join(tmp.path, 'pets.txt')), /already exists/);
    const again = await store.importText('dog\nhamster\n', 'txt', 'pets', { replace: true });
    assert.equal(again.replaced, true);
    assert.deepEqual(
      (await store.get('pets')).labels.map((l) => l.label),
      ['dog', 'hamster'],
    );
    await assert.rejects(store.importText('x', 'txt', 'colours'), /built-in/);
    await assert.rejects(
      store.get('nope'),
      (e) => e instanceof UserError && /No vocabulary named "nope".*colours/.test(e.message),
    );
    await assert.rejects(store.importFile(join(tmp.path, 'missing.txt')), /Cannot read/);
    await assert.rejects(store.importFile(join(tmp.path, 'pets.doc')), /Cannot tell the format/);

    // A failed import leaves the existing vocabulary as it was.
    await assert.rejects(store.importText('{bad', 'json', 'pets', { replace: true }), /not valid JSON/);
    assert.deepEqual(
      (await store.get('pets')).labels.map((l) => l.label),
      ['dog', 'hamster'],
    );

    await store.remove('pets');
    await assert.rejects(store.get('pets'), /No vocabulary/);
    await assert.rejects(store.remove('everyday'), /built in/);
  } finally {
    await tmp.cleanup();
  }
});
