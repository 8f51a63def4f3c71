// Query arithmetic: "beach +sunset -people" means the embedding of "beach", plus that of "sunset", minus
// that of "people", renormalized. Each part is normalized before adding, so a long phrase does not
// outweigh a single word.

export interface ParsedQuery {
  /** The text without +/- terms ('' when the query is only terms). */
  base: string;
  plus: string[];
  minus: string[];
}

/**
 * Splits a query into its base text and +term / -term parts. A term is one word, or a quoted phrase
 * (`-"red car"`). A '-' or '+' inside a word ("t-shirt") is part of the word.
 */
export function parseQuery(text: string): ParsedQuery {
  const plus: string[] = [];
  const minus: string[] = [];
  const base: string[] = [];
  const re = /([+-])"([^"]+)"|([+-])(\S+)|"([^"]+)"|(\S+)/g;
  for (const m of text.matchAll(re)) {
    if (m[1]) (m[1] === '+' ? plus : minus).push(m[2]!.trim());
    else if (m[3]) (m[3] === '+' ? plus : minus).push(m[4]!);
    else base.push(m[5] ?? m[6]!);
  }
  return { base: base.join(' ').trim(), plus: plus.filter(Boolean), minus: minus.filter(Boolean) };
}

export function normalize(v: Float32Array): Float32Array {
  let n = 0;
  for (const x of v) n += x * x;
  n = Math.sqrt(n);
  const out = new Float32Array(v.length);
  if (n === 0) return out;
  for (let i = 0; i < v.length; i++) out[i] = v[i]! / n;
  return out;
}

/** Σ weight·normalize(v), renormalized. */
export function combine(parts: { vector: Float32Array; weight: number }[]): Float32Array {
  if (parts.length === 0) throw new Error('nothing to combine');
  const dim = parts[0]!.vector.length;
  const sum = new Float32Array(dim);
  for (const { vector, weight } of parts) {
    const n = normalize(vector);
    for (let i = 0; i < dim; i++) sum[i] = sum[i]! + weight * n[i]!;
  }
  return normalize(sum);
}

export function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}
