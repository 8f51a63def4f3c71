// Which copy of a group of duplicates to keep, by rules a person can read, in this order:
//   1. the largest resolution (width × height);
//   2. an original format over a re-encode: RAW, HEIC and PNG over JPEG over WebP;
//   3. the most metadata: an EXIF date, GPS, a camera;
//   4. the oldest file (its modification time);
// and the path as the last tie-break, so that the choice never depends on the order the store returns.
// The reason names what the keeper has and why the others lose ("kept: 4000×3000 PNG, has EXIF date;
// the others are smaller re-encodes").

/** What the rules look at of one copy. */
export interface KeeperCandidate {
  path: string;
  width: number | null;
  height: number | null;
  /** Lower-case format name as the store records it ('jpeg', 'png', 'webp', 'heic', 'dng', …). */
  format: string | null;
  hasExifDate: boolean;
  hasGps: boolean;
  hasCamera: boolean;
  mtimeMs: number;
}

const RAW_FORMATS = new Set(['dng', 'cr2', 'cr3', 'nef', 'arw', 'orf', 'rw2', 'raf', 'raw', 'pef', 'srw']);

/** 0 for an original (RAW, HEIC, PNG, TIFF), 1 for JPEG (and anything unknown), 2 for WebP. */
export function formatRank(format: string | null): number {
  const f = (format ?? '').toLowerCase();
  if (RAW_FORMATS.has(f) || f === 'heic' || f === 'heif' || f === 'png' || f === 'tiff' || f === 'tif')
    return 0;
  if (f === 'webp') return 2;
  return 1;
}

function pixels(c: KeeperCandidate): number {
  return (c.width ?? 0) * (c.height ?? 0);
}

function metadataCount(c: KeeperCandidate): number {
  return Number(c.hasExifDate) + Number(c.hasGps) + Number(c.hasCamera);
}

/** Negative when `a` should be kept before `b`. */
export function compareForKeeping(a: KeeperCandidate, b: KeeperCandidate): number {
  return (
    pixels(b) - pixels(a) ||
    formatRank(a.format) - formatRank(b.format) ||
    metadataCount(b) - metadataCount(a) ||
    a.mtimeMs - b.mtimeMs ||
    (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)
  );
}

/** The copies best first: the first is the rules' keeper. */
export function rankForKeeping<T extends KeeperCandidate>(copies: readonly T[]): T[] {
  return [...copies].sort(compareForKeeping);
}

/** What a copy is, in words: "4000×3000 PNG, has EXIF date, GPS". */
function describe(c: KeeperCandidate): string {
  const parts: string[] = [];
  const size = c.width && c.height ? `${c.width}×${c.height}` : 'size unknown';
  parts.push(`${size} ${(c.format ?? 'unknown format').toUpperCase()}`);
  const meta = [c.hasExifDate && 'EXIF date', c.hasGps && 'GPS', c.hasCamera && 'camera'].filter(Boolean);
  if (meta.length > 0) parts.push(`has ${meta.join(', ')}`);
  return parts.join(', ');
}

/**
 * Why `keeper` is kept over `others`, in words. `chosenByUser`: the person picked it (the rules are not
 * the reason then). `identical`: the copies are one content at several paths.
 */
export function keeperReason(
  keeper: KeeperCandidate,
  others: readonly KeeperCandidate[],
  options: { chosenByUser?: boolean; identical?: boolean } = {},
): string {
  const kept = `kept: ${describe(keeper)}`;
  if (options.chosenByUser) return `${kept}; chosen by you`;
  if (options.identical) {
    const older = others.every((o) => keeper.mtimeMs <= o.mtimeMs);
    return older
      ? `${kept}; the others are identical copies saved later`
      : `${kept}; the others are identical copies`;
  }
  // Why the others lose, in the rules' order: "smaller re-encodes" when some are smaller and some (or
  // the same ones) re-encoded; then copies that lost only on metadata or on age.
  const smaller = others.some((o) => pixels(o) < pixels(keeper));
  const reencoded = others.some((o) => formatRank(o.format) > formatRank(keeper.format));
  const phrases: string[] = [];
  if (smaller || reencoded)
    phrases.push(`${smaller ? 'smaller ' : ''}${reencoded ? 're-encodes' : 'copies'}`);
  const tiedOnLook = others.filter(
    (o) => pixels(o) === pixels(keeper) && formatRank(o.format) === formatRank(keeper.format),
  );
  if (tiedOnLook.some((o) => metadataCount(o) < metadataCount(keeper)))
    phrases.push('copies with less metadata');
  const tiedOnMetadata = tiedOnLook.filter((o) => metadataCount(o) === metadataCount(keeper));
  if (tiedOnMetadata.some((o) => o.mtimeMs > keeper.mtimeMs)) phrases.push('newer files');
  if (tiedOnMetadata.some((o) => o.mtimeMs === keeper.mtimeMs)) phrases.push('the same picture elsewhere');
  return `${kept}; the others are ${phrases.join(' or ')}`;
}
