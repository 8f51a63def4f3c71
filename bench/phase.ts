// One benchmark phase in its own process, so that its peak memory (the kernel's RSS high-water mark)
// and its onnxruntime threads belong to it alone. run-bench.ts starts it:
//   node --import tsx bench/phase.ts <phase> <options-json> <result-file>
import { writeFile } from 'node:fs/promises';
import { measureAnnScale } from './ann-scale.js';
import { measureBigLibraryIndex, measureBigLibraryWatch } from './big-library.js';
import { measureColdSearch } from './cold-search.js';
import { measureSearchWhileIndexing } from './search-while-indexing.js';
import { measureIndexing, type IndexingBenchOptions } from './indexing-throughput.js';
import { measureModelThroughput } from './model-throughput.js';
import { measureQueryScale } from './query-phase.js';
import { profileStages } from './stage-profile.js';
import { peakRssMiB } from './stats.js';
import { compareTextEncoding } from './text-encoding.js';
import { createClipEngine } from '../main/engine/clip-engine.js';

export type PhaseName =
  | 'model'
  | 'indexing'
  | 'profile'
  | 'queries'
  | 'cold-search'
  | 'search-while-indexing'
  | 'text'
  | 'big-library-index'
  | 'big-library-watch'
  | 'ann-scale';

export async function runPhase(phase: PhaseName, options: Record<string, unknown>): Promise<unknown> {
  switch (phase) {
    case 'model':
      return measureModelThroughput(options as Parameters<typeof measureModelThroughput>[0]);
    case 'indexing':
      return measureIndexing(options as unknown as IndexingBenchOptions);
    case 'profile': {
      const o = options as { model: string; photos: string[]; batch: number };
      const engine = await createClipEngine({ model: o.model });
      try {
        return await profileStages(engine, o.photos, o.batch);
      } finally {
        await engine.close();
      }
    }
    case 'queries':
      return measureQueryScale(options as Parameters<typeof measureQueryScale>[0]);
    case 'search-while-indexing':
      return measureSearchWhileIndexing(options as Parameters<typeof measureSearchWhileIndexing>[0]);
    case 'cold-search':
      return measureColdSearch(options as Parameters<typeof measureColdSearch>[0]);
    case 'text':
      return compareTextEncoding(options as Parameters<typeof compareTextEncoding>[0]);
    case 'big-library-index':
      return measureBigLibraryIndex(options as Parameters<typeof measureBigLibraryIndex>[0]);
    case 'big-library-watch':
      return measureBigLibraryWatch(options as Parameters<typeof measureBigLibraryWatch>[0]);
    case 'ann-scale':
      return measureAnnScale(options as Parameters<typeof measureAnnScale>[0]);
  }
}

async function main(): Promise<void> {
  const [phase, json, resultFile] = process.argv.slice(2);
  if (!phase || !json || !resultFile) throw new Error('usage: phase.ts <phase> <options-json> <result-file>');
  const result = await runPhase(phase as PhaseName, JSON.parse(json) as Record<string, unknown>);
  await writeFile(resultFile, JSON.stringify({ result, peakRssMiB: peakRssMiB() }));
}

if (process.argv[1]?.endsWith('phase.ts') || process.argv[1]?.endsWith('phase.js')) {
  main().then(
    // The inference worker and LanceDB keep handles open a moment after close: do not wait for them.
    () => process.exit(0),
    (e: unknown) => {
      console.error(e instanceof Error ? (e.stack ?? e.message) : e);
      process.exit(1);
    },
  );
}
