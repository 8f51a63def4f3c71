import type { Sharp } from 'sharp';

/**
 * Applies an EXIF orientation (1–8) that is not stored in the image sharp reads: a RAW file's IFD0
 * orientation belongs to the sensor data, and the embedded preview usually carries none of its own.
 * Checked against sharp's own autoOrient for all eight values in tests/media/orientation.test.ts.
 */
export function applyOrientation(image: Sharp, orientation: number): Sharp {
  switch (orientation) {
    case 2:
      return image.flop();
    case 3:
      return image.rotate(180);
    case 4:
      return image.flip();
    case 5:
      return image.rotate(270).flop();
    case 6:
      return image.rotate(90);
    case 7:
      return image.rotate(90).flop();
    case 8:
      return image.rotate(270);
    default:
      return image;
  }
}

/** Whether an orientation swaps width and height (the 90° and 270° cases). */
export function swapsDimensions(orientation: number): boolean {
  return orientation >= 5 && orientation <= 8;
}
