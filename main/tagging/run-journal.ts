// The record of the last tagging runs a person started (`lookbook tag`, Auto-tag in the app), so that
// one can be undone in one action: which suggestions it wrote and what they replaced. One JSON file per
// run in <dataDir>/tagging-runs/, written atomically; only the newest few are kept, and only the newest
// can be undone (undoing an older one under a newer one's changes would restore the wrong state).
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../temp-files.js';
import type { TagRunUndo } from './tag-store.js';

export const TAGGING_RUNS_FOLDER = 'tagging-runs';
/** Runs whose record is kept (only the newest can be undone; the others are kept for a while to say so). */
const KEPT = 5;

export interface TaggingRunRecord {
  runId: string;
  vocabulary: string;
  /** ISO date and time. */
  startedAt: string;
  photos: number;
  suggested: number;
  undos: TagRunUndo[];
}

export interface RunJournal {
  save(record: TaggingRunRecord): Promise<void>;
  /** Every kept record, newest first. */
  list(): Promise<TaggingRunRecord[]>;
  remove(runId: string): Promise<void>;
}

const fileOf = (dir: string, runId: string) => join(dir, `${runId.replace(/[^A-Za-z0-9-]/g, '_')}.json`);

export function createRunJournal(dataDir: string): RunJournal {
  const dir = join(dataDir, TAGGING_RUNS_FOLDER);

  async function list(): Promise<TaggingRunRecord[]> {
    let names: string[];
    try {
      names = (await readdir(dir)).filter((n) => n.endsWith('.json'));
    } catch {
      return [];
    }
    const records: TaggingRunRecord[] = [];
    for (const name of names) {
      try {
        records.push(JSON.parse(await readFile(join(dir, name), 'utf8')) as TaggingRunRecord);
      } catch {
        // A record that cannot be read only means that run cannot be undone.
      }
    }
    return records.sort((a, b) => b.startedAt.localeCompare(a.startedAt));
  }

  return {
    async save(record) {
      await mkdir(dir, { recursive: true });
      await writeFileAtomic(fileOf(dir, record.runId), JSON.stringify(record));
      for (const old of (await list()).slice(KEPT)) await rm(fileOf(dir, old.runId), { force: true });
    },
    list,
    async remove(runId) {
      await rm(fileOf(dir, runId), { force: true });
    },
  };
}
