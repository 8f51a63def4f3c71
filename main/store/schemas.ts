import { Bool, Field, FixedSizeList, Float32, Float64, Int32, Schema, Utf8 } from 'apache-arrow';

// Explicit Arrow schemas: LanceDB never infers a column type from the first batch of plain objects
// (a null in the first row would otherwise fix a column's type wrongly forever).
// Numbers that may exceed 2^31 (sizes, times in ms) are Float64 so they come back as JS numbers, not BigInt.

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
