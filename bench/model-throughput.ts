// Model-only throughput: preprocessed tensors straight into the engine, in the batches the indexer uses.
// This is the ceiling for indexing: everything else the indexer does has to hide behind it.
import { createClipEngine } from '../main/engine/clip-engine.js';
import { median } from './stats.js';

export interface ModelThroughput {
  batch: number;
  rounds: number;
  /** Images/s of each round. */
  perRound: number[];
  imagesPerSecond: number;
  /** Process CPU seconds (all threads) per image, median over rounds. */
  cpuSecondsPerImage: number;
  threads: number | undefined;
  provider: string;
}

export async function measureModelThroughput(options: {
  model: string;
  /** Photos to preprocess for the tensors (the content does not change the cost; a few real ones). */
  photos: string[];
  batch: number;
  rounds: number;
  threads?: number;
  /** onnxruntime's spin-waiting (the engine's default for the vision tower: off). */
  spinWait?: boolean;
}): Promise<ModelThroughput> {
  // As indexing runs it: the text tower is not loaded (a process that only indexes never starts it).
  const engine = await createClipEngine({
    model: options.model,
    textTower: 'on-first-use',
    ...(options.threads !== undefined ? { threads: options.threads } : {}),
    ...(options.spinWait !== undefined ? { spinWait: options.spinWait } : {}),
  });
  try {
    const distinct = await Promise.all(options.photos.map((p) => engine.preprocess(p)));
    const tensors = Array.from({ length: options.batch }, (_, i) => distinct[i % distinct.length]!);
    await engine.embedImageTensors(tensors); // warm-up: first-run allocations, page faults
    const perRound: number[] = [];
    const cpuPer: number[] = [];
    for (let r = 0; r < options.rounds; r++) {
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      await engine.embedImageTensors(tensors);
      const seconds = (performance.now() - t0) / 1000;
      const cpu = process.cpuUsage(cpu0);
      perRound.push(options.batch / seconds);
      cpuPer.push((cpu.user + cpu.system) / 1e6 / options.batch);
    }
    return {
      batch: options.batch,
      rounds: options.rounds,
      perRound,
      imagesPerSecond: median(perRound),
      cpuSecondsPerImage: median(cpuPer),
      threads: options.threads,
      provider: engine.device.provider,
    };
  } finally {
    await engine.close();
  }
}
