import * as lancedb from '@lancedb/lancedb';
import { Bool, Field, Float64, Int32, Schema, Utf8 } from 'apache-arrow';
import { queryAll, sqlString, toNumber, toText } from './sql.js';

// [Note: the writer lease] One row, key 'writer', in a table of the store itself: who may write the
// library's photos and vectors now. A lock file in the data directory cannot do it once the tables are
// shared (two computers have two data directories), and an object store has no file locks.
//
// Taking the lease is a compare-and-swap made of LanceDB's own commit protocol: a merge-insert that
// updates the row only `where holderId = <the holder seen>`. Two processes swapping at once both write
// a new version of the same row; LanceDB's commit (a put-if-absent of the next manifest, which S3, MinIO,
// R2, GCS and Azure honour) lets one win, and the other's retry re-reads the row, finds a different holder
// and updates nothing. Measured on the loopback server with three processes at once, three times: one
// winner each time. The row is created with the table (one commit), never inserted later: two concurrent
// inserts of the same key would both succeed.
//
// Limits: an S3 server that ignores If-None-Match (s3rver, old MinIO and Ceph releases) gives no atomic
// commit at all, so neither this lease nor concurrent tag writes are safe there; a holder that dies on
// another computer is recognised only when its heartbeat is older than the lease's time to live, which
// assumes the computers' clocks agree to within it.

export const WRITER_LEASE_TABLE = 'writer_lease';
const KEY = 'writer';

/** The lease row. holderId '' means free. */
export interface LeaseRow {
  holderId: string;
  pid: number;
  host: string;
  command: string;
  /** ISO date the lease was taken. */
  since: string;
  watching: boolean;
  /** When the holder last said it is alive (ms since the epoch, its clock). */
  heartbeat: number;
}

export const FREE_LEASE: LeaseRow = {
  holderId: '',
  pid: 0,
  host: '',
  command: '',
  since: '',
  watching: false,
  heartbeat: 0,
};

const leaseSchema = new Schema([
  new Field('key', new Utf8(), false),
  new Field('holderId', new Utf8(), false),
  new Field('pid', new Int32(), false),
  new Field('host', new Utf8(), false),
  new Field('command', new Utf8(), false),
  new Field('since', new Utf8(), false),
  new Field('watching', new Bool(), false),
  new Field('heartbeat', new Float64(), false),
]);

export interface WriterLeaseTable {
  /** The lease as it is now (FREE_LEASE when nobody holds it). */
  read(): Promise<LeaseRow>;
  /** Writes `next` only if the lease's holder is still `expected`; true when it did. */
  swap(expected: string, next: LeaseRow): Promise<boolean>;
  /** Drops old versions (every heartbeat writes one). */
  tidy(): Promise<void>;
}

async function openOrCreate(db: lancedb.Connection): Promise<lancedb.Table> {
  for (let attempt = 1; ; attempt++) {
    try {
      if ((await db.tableNames()).includes(WRITER_LEASE_TABLE)) return await db.openTable(WRITER_LEASE_TABLE);
      const data = lancedb.makeArrowTable([{ key: KEY, ...FREE_LEASE }], { schema: leaseSchema });
      return await db.createTable(WRITER_LEASE_TABLE, data, { mode: 'create', existOk: true });
    } catch (error) {
      // Another process created it at the same moment (its first commit won): open that one.
      if (attempt >= 20) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

export async function writerLeaseTable(db: lancedb.Connection): Promise<WriterLeaseTable> {
  const table = await openOrCreate(db);
  return {
    async read() {
      const row = (await queryAll(table, `key = ${sqlString(KEY)}`))[0];
      if (!row) return FREE_LEASE;
      return {
        holderId: toText(row.holderId) ?? '',
        pid: toNumber(row.pid) ?? 0,
        host: toText(row.host) ?? '',
        command: toText(row.command) ?? '',
        since: toText(row.since) ?? '',
        watching: row.watching === true,
        heartbeat: toNumber(row.heartbeat) ?? 0,
      };
    },
    async swap(expected, next) {
      const data = lancedb.makeArrowTable([{ key: KEY, ...next }], { schema: leaseSchema });
      const result = await table
        .mergeInsert('key')
        .whenMatchedUpdateAll({ where: `target.holderId = ${sqlString(expected)}` })
        .execute(data);
      return result.numUpdatedRows === 1;
    },
    async tidy() {
      await table.optimize({ cleanupOlderThan: new Date(Date.now() - 60_000) });
    },
  };
}
