import { Binary, Bool, Field, FixedSizeList, Float32, Float64, Int32, Schema, Utf8 } from 'apache-arrow';

// Explicit Arrow schemas: LanceDB never infers a column type from the first batch of plain objects
// (a null in the first row would otherwise fix a column's type wrongly forever).
// Numbers that may exceed 2^31 (sizes, times in ms) are Float64 so they come back as JS numbers, not BigInt.
// Column names are camelCase in every table, like the row types; tables written by earlier versions with
// snake_case names are renamed when opened (legacy-columns.ts).

/** One row per file on disk under a watched folder: where it is, what it contains, how indexing went. */
export const filesSchema = new Schema([
  new Field('path', new Utf8(), false),
  new Field('folder', new Utf8(), false),
  new Field('contentId', new Utf8(), true),
  new Field('size', new Float64(), false),
  new Field('mtimeMs', new Float64(), false),
  new Field('status', new Utf8(), false),
  new Field('code', new Utf8(), true),
  new Field('reason', new Utf8(), true),
  new Field('updatedAt', new Float64(), false),
]);

/** One row per distinct content (sha256): identical copies share it, a moved file keeps it. */
export const contentsSchema = new Schema([
  new Field('contentId', new Utf8(), false),
  new Field('width', new Int32(), true),
  new Field('height', new Int32(), true),
  new Field('takenAt', new Float64(), true),
  new Field('takenAtSource', new Utf8(), true),
  new Field('cameraMake', new Utf8(), true),
  new Field('cameraModel', new Utf8(), true),
  new Field('latitude', new Float64(), true),
  new Field('longitude', new Float64(), true),
  new Field('format', new Utf8(), true),
  new Field('size', new Float64(), false),
  new Field('thumbnail', new Bool(), false),
  new Field('addedAt', new Float64(), false),
]);

/** One table per model: the content's L2-normalized image embedding. */
export function vectorsSchema(dim: number): Schema {
  return new Schema([
    new Field('contentId', new Utf8(), false),
    new Field('vector', new FixedSizeList(dim, new Field('item', new Float32(), true)), false),
  ]);
}

/**
 * One row per tag on one content. `id` is contentId + labelKey (the merge key: one row per tag however
 * its label is spelled); `labelKey` is the label's normalized form that tag filters match on.
 */
export const tagsSchema = new Schema([
  new Field('id', new Utf8(), false),
  new Field('contentId', new Utf8(), false),
  new Field('label', new Utf8(), false),
  new Field('labelKey', new Utf8(), false),
  new Field('score', new Float64(), true),
  new Field('source', new Utf8(), false),
  new Field('state', new Utf8(), false),
  new Field('vocabulary', new Utf8(), true),
  new Field('modelId', new Utf8(), true),
  new Field('adapterVersion', new Utf8(), true),
  new Field('updatedAt', new Float64(), false),
]);

/** One row per (content, vocabulary): the last auto-tagging pass, also when it found no label. */
export const tagRunsSchema = new Schema([
  new Field('id', new Utf8(), false),
  new Field('contentId', new Utf8(), false),
  new Field('vocabulary', new Utf8(), false),
  new Field('vocabularyHash', new Utf8(), false),
  new Field('modelId', new Utf8(), false),
  new Field('adapterVersion', new Utf8(), false),
  new Field('taggedAt', new Float64(), false),
]);

/** One row per labelled (photo, text) pair for fine-tuning; `id` hashes the content id with the text. */
export const pairsSchema = new Schema([
  new Field('id', new Utf8(), false),
  new Field('contentId', new Utf8(), false),
  new Field('text', new Utf8(), false),
  new Field('split', new Utf8(), false),
  new Field('source', new Utf8(), false),
  new Field('createdAt', new Float64(), false),
]);

/** Cached caption embeddings of the frozen text encoder; `key` hashes the model id with the text. */
export const textEmbeddingsSchema = new Schema([
  new Field('key', new Utf8(), false),
  new Field('model', new Utf8(), false),
  new Field('text', new Utf8(), false),
  // Little-endian float32 bytes: one table serves models of every embedding size.
  new Field('vector', new Binary(), false),
]);

/**
 * One row per album. `nameKey` is the name's case-folded form (names are unique whatever their case);
 * `smartQuery` is a smart album's saved query as JSON (null for a manual album); `cover` a content id.
 */
export const albumsSchema = new Schema([
  new Field('id', new Utf8(), false),
  new Field('name', new Utf8(), false),
  new Field('nameKey', new Utf8(), false),
  new Field('kind', new Utf8(), false),
  new Field('smartQuery', new Utf8(), true),
  new Field('cover', new Utf8(), true),
  new Field('createdAt', new Float64(), false),
  new Field('updatedAt', new Float64(), false),
]);

/**
 * One row per photo content in a manual album; `id` is albumId + contentId (the merge key: a photo is in
 * an album once). Albums hold contents, as tags do, so they survive renames, moves and re-indexing.
 */
export const albumItemsSchema = new Schema([
  new Field('id', new Utf8(), false),
  new Field('albumId', new Utf8(), false),
  new Field('contentId', new Utf8(), false),
  new Field('position', new Float64(), false),
]);

/**
 * One row per root: a folder of the library as every machine names it (see [Note: roots] in
 * root-keys.ts). `id` is what file rows store; `name` (the folder's name when it was added) is what
 * people read in `lookbook roots list`. Where a root is on each machine is kept in that machine's
 * data directory, never here.
 */
export const rootsSchema = new Schema([
  new Field('id', new Utf8(), false),
  new Field('name', new Utf8(), false),
  new Field('createdAt', new Float64(), false),
]);
