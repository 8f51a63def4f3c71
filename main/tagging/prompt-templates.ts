import { fillLabel } from '../placeholders.js';

/**
 * The prompt ensemble for zero-shot tagging: a curated subset of the 80 ImageNet templates from the CLIP
 * paper (Radford et al. 2021, "Prompt_Engineering_for_ImageNet"). Averaging a label's embedding over
 * several phrasings is worth a few points of accuracy over one prompt, and costs nothing at tagging time
 * because label embeddings are cached.
 *
 * Why these: personal photos and product shots are photographs, so the paper's renderings, sculptures,
 * tattoos, origami and video-game templates would pull labels towards art styles nobody searches for.
 * What is left covers the photographic variation that matters here (quality, lighting, framing, size,
 * "my" for personal libraries). A test checks every entry is one of the paper's templates, verbatim.
 */
export const PROMPT_TEMPLATES: readonly string[] = Object.freeze([
  'a photo of a {}.',
  'a photo of the {}.',
  'a photo of my {}.',
  'a photo of many {}.',
  'a bad photo of a {}.',
  'a good photo of a {}.',
  'a bright photo of a {}.',
  'a dark photo of a {}.',
  'a close-up photo of a {}.',
  'a cropped photo of a {}.',
  'a blurry photo of a {}.',
  'a low resolution photo of a {}.',
  'a photo of a large {}.',
  'a photo of a small {}.',
  'itap of a {}.',
]);

/**
 * The generic prompt: what any photo looks like. A label must beat it to be suggested, so a photo that
 * matches no label in the vocabulary gets no tag instead of the least bad one.
 */
export const GENERIC_PROMPTS: readonly string[] = Object.freeze(['a photo.']);

/** Fills a template's placeholder (`{label}`, or the paper's `{}`) with a label. */
export function fillTemplate(template: string, label: string): string {
  return fillLabel(template, label);
}
