// Tries ANN index types and their parameters on the clustered vectors (ann-tables.ts), to choose the ones
// main/store/maintenance.ts builds and vectors-table.ts searches with. Not part of `npm run bench` (it
// builds one index per configuration: tens of minutes at a million rows); the figures it prints are
// quoted in BENCHMARKS.md's ANN section.
//   nice -n 10 node --import tsx bench/ann-sweep.ts <rows> <index>...
// where <index> is flat, ivfpq:<partitions>[:<subvectors>], hnswsq:<partitions>, ivfflat:<partitions>
// (cosine), ivfflatdot:<partitions> (dot product) or ivfrq:<partitions>. ANN_NPROBES=4,8,16 sets the
// partitions scanned.
import { join } from 'node:path';
import * as lancedb from '@lancedb/lancedb';
import { ANN_TABLE, ensureAnnData, type AnnData } from './ann-tables.js';
import { summarize } from './stats.js';

export interface SearchSetting {
  limit: number;
  nprobes?: number;
  refineFactor?: number;
  ef?: number;
  /** The metric searched with: the index's (default cosine). */
  metric?: 'cosine' | 'dot';
}

export interface SweepRow {
  index: string;
  setting: SearchSetting;
  p50: number;
  p95: number;
  recallAt10: number;
}

/** The index `spec` names (see the usage above), or undefined for none (flat search). */
export function indexFor(spec: string): lancedb.Index | undefined {
  const [kind, a, b] = spec.split(':');
  const numPartitions = Number(a);
  switch (kind) {
    case 'flat':
      return undefined;
    case 'ivfpq':
      return lancedb.Index.ivfPq({
        distanceType: 'cosine',
        numPartitions,
        ...(b ? { numSubVectors: Number(b) } : {}),
      });
    case 'hnswsq':
      return lancedb.Index.hnswSq({ distanceType: 'cosine', numPartitions });
    case 'ivfflat':
      return lancedb.Index.ivfFlat({ distanceType: 'cosine', numPartitions });
    case 'ivfflatdot':
      // Stored vectors have unit length: the dot product ranks as cosine does, without the norms.
      return lancedb.Index.ivfFlat({ distanceType: 'dot', numPartitions });
    case 'ivfrq':
      return lancedb.Index.ivfRq({ distanceType: 'cosine', numPartitions });
    default:
      throw new Error(`unknown index ${spec}`);
  }
}

/** Latency and recall@10 of `setting` over the data's queries (one warm-up pass first). */
export async function measureSetting(table: lancedb.Table, data: AnnData, setting: SearchSetting) {
  const run = async (q: Float32Array) => {
    let query = table
      .vectorSearch(Array.from(q))
      .distanceType(setting.metric ?? 'cosine')
      .limit(setting.limit);
    if (setting.nprobes !== undefined) query = query.nprobes(setting.nprobes);
    if (setting.refineFactor !== undefined) query = query.refineFactor(setting.refineFactor);
    if (setting.ef !== undefined) query = query.ef(setting.ef);
    const result = await query.select(['contentId', '_distance']).toArrow();
    const ids = result.getChild('contentId')!;
    return Array.from({ length: Math.min(10, result.numRows) }, (_, i) => String(ids.get(i)));
  };
  for (const q of data.queries.slice(0, 10)) await run(q);
  const times: number[] = [];
  let found = 0;
  for (const [i, q] of data.queries.entries()) {
    const t0 = performance.now();
    const top = await run(q);
    times.push(performance.now() - t0);
    const got = new Set(top);
    found += data.exact[i]!.filter((id) => got.has(id)).length;
  }
  const s = summarize(times);
  return { p50: s.p50, p95: s.p95, recallAt10: found / (10 * data.queries.length) };
}

/** Search settings tried on each index. */
function settingsFor(spec: string): SearchSetting[] {
  const kind = spec.split(':')[0];
  if (kind === 'flat') return [{ limit: 500 }, { limit: 50 }];
  const out: SearchSetting[] = [];
  const probes = (process.env.ANN_NPROBES ?? '10,20,40,80').split(',').map(Number);
  for (const nprobes of probes) {
    if (kind === 'hnswsq') {
      for (const ef of [500, 1000]) out.push({ limit: 500, nprobes, ef, refineFactor: 1 });
    } else if (kind === 'ivfflat' || kind === 'ivfflatdot') {
      // Distances inside the partitions are exact: nothing to re-rank.
      const metric = kind === 'ivfflatdot' ? 'dot' : 'cosine';
      out.push({ limit: 500, nprobes, metric }, { limit: 50, nprobes, metric });
    } else {
      out.push({ limit: 500, nprobes, refineFactor: 1 });
    }
  }
  return out;
}

async function main() {
  const [rowsArg, ...specs] = process.argv.slice(2);
  const rows = Number(rowsArg);
  const log = (m: string) => console.log(`[ann ${new Date().toISOString().slice(11, 19)}] ${m}`);
  const data = await ensureAnnData(join('bench', 'out', 'ann'), rows, log);
  const db = await lancedb.connect(join(data.dir, 'db'));
  const table = await db.openTable(ANN_TABLE);
  for (const spec of specs) {
    const index = indexFor(spec);
    let buildSeconds = 0;
    for (const i of await table.listIndices())
      if (i.columns.includes('vector')) await table.dropIndex(i.name);
    if (index) {
      const t0 = performance.now();
      await table.createIndex('vector', { config: index, replace: true });
      buildSeconds = (performance.now() - t0) / 1000;
    }
    log(
      `${spec}: built in ${buildSeconds.toFixed(1)} s, rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`,
    );
    for (const setting of settingsFor(spec)) {
      const r = await measureSetting(table, data, setting);
      console.log(
        JSON.stringify({ rows, index: spec, buildSeconds: Math.round(buildSeconds), ...setting, ...r }),
      );
    }
  }
  table.close();
  db.close();
}

if (process.argv[1]?.endsWith('ann-sweep.ts')) {
  main().then(
    () => process.exit(0),
    (e: unknown) => {
      console.error(e instanceof Error ? e.message : e);
      process.exit(1);
    },
  );
}
