// Query encoding: rows padded only to their own length (what the engine does for the Hugging Face
// export, whose text tower takes any sequence length) against rows padded to the full 77-token context
// (what a fixed-shape export such as Immich's forces). Same sessions, same queries.
import { loadClipTokenizer } from '../main/engine/tokenizer.js';
import { readModelFolder } from '../main/engine/model-folder.js';
import { openTower, runText } from '../main/engine/onnx-sessions.js';
import { padIds } from '../main/engine/tokenizer.js';
import { summarize, type LatencySummary } from './stats.js';

export interface TextEncodingComparison {
  /** Median tokens per query (start and end included). */
  medianTokens: number;
  contextLength: number;
  dynamic: LatencySummary;
  padded: LatencySummary;
}

export async function compareTextEncoding(options: {
  model: string;
  queries: readonly string[];
  rounds: number;
  threads?: number;
}): Promise<TextEncodingComparison> {
  const folder = await readModelFolder(options.model);
  const tokenizer = await loadClipTokenizer(folder.tokenizerPath, {
    contextLength: folder.info.contextLength,
    padId: folder.padId,
  });
  const sessions = await openTower({
    tower: 'text',
    modelPath: folder.textModelPath,
    device: 'cpu',
    ...(options.threads !== undefined ? { threads: options.threads } : {}),
  });
  try {
    const rows = options.queries.map((q) => tokenizer.encode(q));
    const length = folder.info.contextLength;
    // Padded rows: the pad ids count as tokens here, which costs exactly what a fixed-length graph costs.
    const padded = rows.map((r) => padIds(r, length, folder.padId));
    for (const r of [...rows, ...padded]) await runText(sessions, [r], folder.padId);
    const dyn: number[] = [];
    const pad: number[] = [];
    for (let round = 0; round < options.rounds; round++) {
      for (let i = 0; i < rows.length; i++) {
        let t0 = performance.now();
        await runText(sessions, [rows[i]!], folder.padId);
        dyn.push(performance.now() - t0);
        t0 = performance.now();
        await runText(sessions, [padded[i]!], folder.padId);
        pad.push(performance.now() - t0);
      }
    }
    const lengths = rows.map((r) => r.length).sort((a, b) => a - b);
    return {
      medianTokens: lengths[lengths.length >> 1] ?? 0,
      contextLength: length,
      dynamic: summarize(dyn),
      padded: summarize(pad),
    };
  } finally {
    await sessions.session.release();
  }
}
