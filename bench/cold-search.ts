// What a person waits for when they type `lookbook search …`: opening the library (LanceDB tables, the
// tokenizer, the text tower's onnxruntime session; the vision tower is not loaded for a search) and the
// first query, in a fresh process. run-bench.ts starts this phase several times and keeps the median.
import { openCore } from '../main/core/open-core.js';

export interface ColdSearch {
  /** openCore(): settings, LanceDB, the engine (its text tower). */
  openMs: number;
  /** The first core.search.search() in the process. */
  firstSearchMs: number;
  /** Resident memory after the search (MiB). */
  rssMiB: number;
}

export async function measureColdSearch(options: {
  model: string;
  dataDir: string;
  query: string;
}): Promise<ColdSearch> {
  const t0 = performance.now();
  const core = await openCore({ dataDir: options.dataDir, model: options.model });
  const t1 = performance.now();
  try {
    await core.search.search(options.query);
    const t2 = performance.now();
    return { openMs: t1 - t0, firstSearchMs: t2 - t1, rssMiB: process.memoryUsage().rss / 2 ** 20 };
  } finally {
    await core.close();
  }
}
