// Phone HEICs carry a small preview of the photo: a thumbnail image item (320×240 on iPhones) that the
// primary image points at with an 'thmb' reference. Decoding it costs a few ms where the 12-MP primary
// (a grid of HEVC tiles) costs ~1 s of CPU, so indexing uses it for the model and the thumbnail whenever
// its short side covers the model's input, as RAW files' embedded JPEGs are used (raw-preview.ts).
// This reads the ISOBMFF 'meta' box just far enough to find it: pitm (the primary), iref (references),
// iprp/ipco/ipma (each item's properties, for its 'ispe' size). Anything unexpected → no preview, and the
// caller decodes the full image as before.

export interface HeifThumbnail {
  itemId: number;
  /** Coded size (before the item's rotation, like the primary's). */
  width: number;
  height: number;
}

interface Box {
  type: string;
  /** Where the box's content starts (after its header) and ends. */
  start: number;
  end: number;
}

function* boxes(buf: Buffer, start: number, end: number): Generator<Box> {
  let pos = start;
  while (pos + 8 <= end) {
    let size = buf.readUInt32BE(pos);
    const type = buf.toString('latin1', pos + 4, pos + 8);
    let header = 8;
    if (size === 1) {
      if (pos + 16 > end) return;
      size = Number(buf.readBigUInt64BE(pos + 8));
      header = 16;
    } else if (size === 0) size = end - pos;
    if (size < header || pos + size > end) return;
    yield { type, start: pos + header, end: pos + size };
    pos += size;
  }
}

const child = (buf: Buffer, box: Box, type: string, fullBox: boolean): Box | undefined => {
  for (const b of boxes(buf, box.start + (fullBox ? 4 : 0), box.end)) if (b.type === type) return b;
  return undefined;
};

/**
 * The smallest thumbnail of the primary image whose short side is at least `minShortSide` and whose shape
 * is the primary's (a preview cropped or letterboxed differently would show the model another picture),
 * or undefined when there is none or the file is not laid out as expected.
 */
export function findHeifThumbnail(buf: Buffer, minShortSide: number): HeifThumbnail | undefined {
  try {
    return find(buf, minShortSide);
  } catch {
    return undefined; // a read past the end of a damaged file: no preview, the full decode reports it
  }
}

function find(buf: Buffer, minShortSide: number): HeifThumbnail | undefined {
  const meta = [...boxes(buf, 0, buf.length)].find((b) => b.type === 'meta');
  if (!meta) return undefined;
  const pitm = child(buf, meta, 'pitm', true);
  const iref = child(buf, meta, 'iref', true);
  const iprp = child(buf, meta, 'iprp', true);
  if (!pitm || !iref || !iprp) return undefined;
  const primary = buf[pitm.start] === 0 ? buf.readUInt16BE(pitm.start + 4) : buf.readUInt32BE(pitm.start + 4);

  // iref: version 0 holds 16-bit item ids, version 1 32-bit ones.
  const wide = buf[iref.start] !== 0;
  const id = (at: number) => (wide ? buf.readUInt32BE(at) : buf.readUInt16BE(at));
  const idSize = wide ? 4 : 2;
  const thumbnails: number[] = [];
  for (const ref of boxes(buf, iref.start + 4, iref.end)) {
    if (ref.type !== 'thmb') continue;
    const from = id(ref.start);
    const count = buf.readUInt16BE(ref.start + idSize);
    for (let i = 0; i < count; i++)
      if (id(ref.start + idSize + 2 + i * idSize) === primary) thumbnails.push(from);
  }
  if (thumbnails.length === 0) return undefined;

  // ipco lists the properties (1-based in ipma); ipma maps each item to its property indices.
  const ipco = child(buf, iprp, 'ipco', false);
  const ipma = child(buf, iprp, 'ipma', false);
  if (!ipco || !ipma) return undefined;
  const properties = [...boxes(buf, ipco.start, ipco.end)];
  const version = buf[ipma.start]!;
  const bigIndices = (buf[ipma.start + 3]! & 1) === 1;
  const sizes = new Map<number, { width: number; height: number }>();
  let pos = ipma.start + 4;
  const entries = buf.readUInt32BE(pos);
  pos += 4;
  for (let e = 0; e < entries; e++) {
    const item = version < 1 ? buf.readUInt16BE(pos) : buf.readUInt32BE(pos);
    pos += version < 1 ? 2 : 4;
    const count = buf[pos++]!;
    for (let a = 0; a < count; a++) {
      const index = bigIndices ? buf.readUInt16BE(pos) & 0x7fff : buf[pos]! & 0x7f;
      pos += bigIndices ? 2 : 1;
      const property = properties[index - 1];
      if (property?.type === 'ispe')
        sizes.set(item, {
          width: buf.readUInt32BE(property.start + 4),
          height: buf.readUInt32BE(property.start + 8),
        });
    }
  }
  const full = sizes.get(primary);
  if (!full || !full.width || !full.height) return undefined;
  const candidates = thumbnails
    .map((itemId) => ({ itemId, ...sizes.get(itemId)! }))
    .filter((t) => t.width && t.height && Math.min(t.width, t.height) >= minShortSide)
    .filter((t) => Math.abs((t.width * full.height) / (t.height * full.width) - 1) < 0.02)
    .sort((a, b) => a.width * a.height - b.width * b.height);
  return candidates[0];
}
