// The one default the app's tagging form shows as well as the core uses: how sure a suggestion must be.
// In a file of its own, without imports, so the renderer can read it (through main/api/types.ts).

/** A label needs at least this probability to be suggested (`tag --min-probability`, the app's slider). */
export const DEFAULT_MIN_PROBABILITY = 0.1;
