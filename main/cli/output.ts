// How commands print. Lines for people by default. With --json, a command that lists things prints JSON
// Lines (one compact object per line: it streams, greps and pipes into `jq -c` line by line), and a
// command that reports one thing prints one JSON document. Everything else (progress, notices) goes to
// stderr, so stdout stays machine-readable.

export type Write = (line: string) => void;

export function out(line = ''): void {
  process.stdout.write(`${line}\n`);
}

/** A list of records, one JSON object per line. */
export function printJsonLines(items: Iterable<unknown>, write: Write = out): void {
  for (const item of items) write(JSON.stringify(item));
}

/** One result, as an indented JSON document. */
export function printJsonDocument(value: unknown, write: Write = out): void {
  write(JSON.stringify(value, null, 2));
}

/** "1 pair", "2 pairs" (with the number formatted for reading: 12,345). */
export function count(n: number, noun: string, plural = `${noun}s`): string {
  return `${n.toLocaleString('en')} ${n === 1 ? noun : plural}`;
}
