// A seeded pseudo-random generator: the demo model's filler rows and the random-weight benchmark models
// must come out byte-identical on every machine and every run, which Math.random cannot promise.

/** A small deterministic PRNG (mulberry32) with Gaussian draws, seeded from a string. */
export function seededRandom(seed: string | number): { uniform(): number; gaussian(): number } {
  let state = typeof seed === 'number' ? seed >>> 0 : fnv1a(seed);
  const uniform = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    uniform,
    gaussian() {
      // Box-Muller; 1 - u keeps the logarithm finite.
      const u = 1 - uniform();
      const v = uniform();
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    },
  };
}

function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}
