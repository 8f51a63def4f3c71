import sharp from 'sharp';

// A difference hash (dHash) of a photo's thumbnail: 64 bits, one per neighbouring pair of pixels of a
// 9×8 grey version, set where the left pixel is brighter. Resizing, re-compression, a light crop and a
// brightness change barely move it; a different picture of the same colours moves about half its bits.
// It confirms what the embeddings propose: the demo model sees only colour, and even a real CLIP model
// finds two frames of one scene "similar" where a person sees two photos.

export const HASH_BITS = 64;

/** The dHash of an image file, as a 64-bit bigint. */
export async function differenceHash(file: string): Promise<bigint> {
  const grey = await sharp(file).rotate().greyscale().resize(9, 8, { fit: 'fill' }).raw().toBuffer();
  let hash = 0n;
  for (let y = 0; y < 8; y++) {
    for (let x = 0; x < 8; x++) {
      hash = (hash << 1n) | (grey[y * 9 + x]! > grey[y * 9 + x + 1]! ? 1n : 0n);
    }
  }
  return hash;
}

/** How many of the 64 bits differ. */
export function hammingDistance(a: bigint, b: bigint): number {
  let x = a ^ b;
  let n = 0;
  while (x) {
    x &= x - 1n;
    n++;
  }
  return n;
}
