// The web server's memory stays bounded under concurrent large bodies. The web mode runs in a child
// process (fixtures/web-mode-child.ts) that reports its RSS; this test sends it, all at once, six
// searches by image at the largest size the API takes and six 75 MB bodies, and measures the peak.
//
// Before the caps and the budget (main/server/request-body.ts), every call could buffer 80 MB and all at
// once: on the machine where this was written, the six searches raised the server's RSS by 464 MB and
// six 75 MB bodies by 770 MB (the issue saw 209 → 976 MB). Now the 75 MB bodies are refused from their
// Content-Length (under 60 MB, the garbage of reading and dropping them), and the searches by image are
// read one at a time (about 220 MB: one search's copies of its image and the previous one's garbage).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { MAX_SEARCH_IMAGE_BYTES } from '../../main/api/validate.js';

const MiB = 1024 * 1024;
// Generous bounds: what matters is that they hold however many bodies come, not the exact figures.
// The first fails on the old code (+464 MB); the second did too (+770 MB, and 400s instead of 413s).
const MAX_GROWTH_SEARCHES = 300 * MiB;
const MAX_GROWTH_REFUSED = 150 * MiB;

interface Answer {
  status: number;
  code?: string;
}

describe('web server memory under large bodies', () => {
  let tmp: string;
  let child: ChildProcess;
  let url: URL;

  /** Sends a message to the child and waits for its reply. */
  const ask = <T>(message: string): Promise<T> =>
    new Promise((resolve) => {
      child.once('message', (reply) => resolve(reply as T));
      child.send(message);
    });

  const post = (method: string, body: Buffer): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: url.port,
          method: 'POST',
          path: `/api/call/${method}`,
          headers: {
            'Content-Type': 'application/json',
            'Content-Length': body.length,
            'X-Lookbook-Token': url.searchParams.get('token')!,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const parsed = JSON.parse(Buffer.concat(chunks).toString()) as { error?: { code: string } };
            resolve({ status: res.statusCode ?? 0, ...(parsed.error ? { code: parsed.error.code } : {}) });
          });
        },
      );
      req.on('error', reject);
      // The server answers 413 before the body is all sent and closes the connection; the rest of the
      // write can then fail with EPIPE after the request let go of its socket (timing-dependent).
      // That failure is the refusal working, not an error of the test.
      req.on('socket', (socket) => socket.on('error', () => undefined));
      req.end(body);
    });

  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'lookbook-body-memory-'));
    await mkdir(join(tmp, 'ui'));
    child = fork(
      join(import.meta.dirname, 'fixtures', 'web-mode-child.ts'),
      [join(tmp, 'data'), join(tmp, 'ui')],
      {
        execArgv: ['--import', 'tsx'],
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      },
    );
    const started = await new Promise<{ url: string }>((resolve, reject) => {
      child.once('message', (m) => resolve(m as { url: string }));
      child.once('exit', (code) => reject(new Error(`the web mode exited (${code})`)));
    });
    url = new URL(started.url);
  });

  after(async () => {
    if (child?.connected) child.disconnect();
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(kill);
    }
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  /** Sends the bodies all at once; answers them and the growth of the server's RSS at its peak. */
  async function measure(bodies: Buffer[]): Promise<{ answers: Answer[]; growth: number; note: string }> {
    const { rss: before } = await ask<{ rss: number }>('mark');
    const answers = await Promise.all(bodies.map((b) => post('search.query', b)));
    const { peak } = await ask<{ peak: number }>('memory');
    const growth = peak - before;
    const note = `RSS ${Math.round(before / MiB)} MB before, peak ${Math.round(peak / MiB)} MB (+${Math.round(growth / MiB)} MB)`;
    return { answers, growth, note };
  }

  it('answers a search and a search by a small image', async () => {
    // Also the warm-up: these load what searches need, as a person's first searches would.
    const red = await sharp({
      create: { width: 64, height: 64, channels: 3, background: { r: 230, g: 10, b: 20 } },
    })
      .jpeg()
      .toBuffer();
    assert.equal((await post('search.query', Buffer.from('{"query":"red"}'))).status, 200);
    const small = await post(
      'search.query',
      Buffer.from(JSON.stringify({ imageBase64: red.toString('base64') })),
    );
    assert.equal(small.status, 200);
  });

  it('stays bounded under 6 concurrent searches by image at the largest size', async (t) => {
    // The largest image the API takes, in base64 (zeros: not an image, so each is read, parsed,
    // decoded from base64 and then refused by the image reader).
    const atCap = Buffer.from(
      JSON.stringify({ imageBase64: 'A'.repeat(Math.ceil(MAX_SEARCH_IMAGE_BYTES / 3) * 4) }),
    );
    const { answers, growth, note } = await measure(Array.from({ length: 6 }, () => atCap));
    t.diagnostic(note);
    for (const a of answers) assert.deepEqual(a, { status: 400, code: 'unsupported-format' });
    assert.ok(growth < MAX_GROWTH_SEARCHES, `${note}; at most +${MAX_GROWTH_SEARCHES / MiB} MB`);
  });

  it('stays bounded under 6 concurrent bodies of 75 MB', async (t) => {
    const huge = Buffer.alloc(75 * MiB, ' ');
    huge.write('{"query":"');
    const { answers, growth, note } = await measure(Array.from({ length: 6 }, () => huge));
    t.diagnostic(note);
    for (const a of answers) assert.deepEqual(a, { status: 413, code: 'too-large' });
    assert.ok(growth < MAX_GROWTH_REFUSED, `${note}; at most +${MAX_GROWTH_REFUSED / MiB} MB`);
  });
});
