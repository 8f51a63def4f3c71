// Fine-tuning speed on synthetic CLIP-sized embeddings:
//   node --import tsx bench/train-bench.ts [pairs=1000] [dim=512] [epochs=20]
// A full run (no early stopping) of trainAdapter in this thread; prints wall and CPU time and pairs/s.
import { trainAdapter } from '../main/tuning/train.js';
import { createSyntheticWorld } from '../tests/tuning/synthetic-pairs.js';

const [pairs = 1000, dim = 512, epochs = 20] = process.argv.slice(2).map(Number);
const world = createSyntheticWorld({ dim, invented: 20, seed: 3 });
const train = world.invented(Math.ceil(pairs / 20));
train.image.length = pairs;
train.text.length = pairs;
const val = world.invented(5);

const started = performance.now();
const cpuStart = process.cpuUsage();
const result = await trainAdapter({ train, val, epochs, patience: 0, batchSize: 256, seed: 0 });
const seconds = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuStart);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
const seen = pairs * result.history.length;
console.log(`pairs=${pairs} dim=${dim} epochs=${result.history.length} batch=256 val=${val.image.length}`);
// On a shared machine wall time includes waiting for a core; CPU time is what the training itself costs.
console.log(`wall ${seconds.toFixed(2)} s, CPU ${cpuSeconds.toFixed(2)} s (one thread)`);
console.log(`${(seen / seconds).toFixed(0)} pairs/s wall, ${(seen / cpuSeconds).toFixed(0)} pairs/s CPU`);
const r1 = (r: typeof result.before) => r.textToImage[1]!.toFixed(2);
console.log(
  `val text→image R@1 ${r1(result.before)} → ${r1(result.after)}, mean recall ${result.before.mean.toFixed(3)} → ${result.after.mean.toFixed(3)}`,
);
