// What the demo model knows: eleven colours, and the embedding space they live in. Colour i owns
// embedding direction i, so both towers (demo-text-tower.ts, demo-vision-tower.ts) put a colour's weight
// on the same axis and a colour word lands next to photos of that colour.

export const DEMO_EMBED_DIM = 64;

/** The colours the demo model knows; colour i owns embedding direction i. */
export const DEMO_COLOURS = [
  'red',
  'orange',
  'yellow',
  'green',
  'blue',
  'purple',
  'pink',
  'brown',
  'black',
  'white',
  'gray',
] as const;
export type DemoColour = (typeof DEMO_COLOURS)[number];
