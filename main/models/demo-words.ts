// What the demo model can and cannot tell apart, in words: it knows colour words (demo-text-tower.ts
// gives only those a direction); every other word gets a small pseudo-random row, so a search or a tag
// made of such words ranks photos by noise. Search says so when it finds nothing, and tagging warns
// before it runs a vocabulary of such labels.
import { DEMO_COLOUR_WORDS } from './demo-text-tower.js';

// Words that carry no content in a query or a label ("a photo of the red car"): not reported as unknown.
const FILLER_WORDS = new Set(
  `a an the of in on at to from with and or but not no is are this that these those it its my your our
  their some any very photo photos picture pictures image images shot something things thing colour color
  colours colors coloured colored`
    .split(/\s+/)
    .filter(Boolean),
);

function wordsOf(text: string): string[] {
  // Lower-case runs of letters: '+sunset', '"red car"' and 't-shirt' give their words.
  return text.toLowerCase().match(/\p{L}+/gu) ?? [];
}

/** The words of a text that the demo model does not know (each once, in order); filler words are fine. */
export function wordsUnknownToDemo(text: string): string[] {
  const unknown = wordsOf(text).filter((w) => !DEMO_COLOUR_WORDS.has(w) && !FILLER_WORDS.has(w));
  return [...new Set(unknown)];
}

/**
 * Whether a text names a colour ("red", "navy blue", "a red car"): what the demo model can score, as a
 * query or as a tag label. A text without one ranks photos by noise.
 */
export function namesAColour(text: string): boolean {
  return wordsOf(text).some((w) => DEMO_COLOUR_WORDS.has(w));
}
