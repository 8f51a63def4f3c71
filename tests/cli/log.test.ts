// main/log.ts: one plain "lookbook: …" line, and the stack only when asked for (--verbose or
// LOOKBOOK_DEBUG=1), whichever part of Lookbook reports the error.
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildProgram } from '../../main/cli/cli.js';
import { isVerbose, logError, logWarning, setVerbose } from '../../main/log.js';

/** What `fn` writes to stderr. */
function stderrOf(fn: () => void): string {
  const write = process.stderr.write;
  let text = '';
  process.stderr.write = ((chunk: string | Uint8Array) => {
    text += String(chunk);
    return true;
  }) as typeof process.stderr.write;
  try {
    fn();
  } finally {
    process.stderr.write = write;
  }
  return text;
}

const debug = process.env.LOOKBOOK_DEBUG;
afterEach(() => {
  setVerbose(false);
  if (debug === undefined) delete process.env.LOOKBOOK_DEBUG;
  else process.env.LOOKBOOK_DEBUG = debug;
});

test('an error is one plain line unless a stack trace is asked for', () => {
  delete process.env.LOOKBOOK_DEBUG;
  const bug = new TypeError('x is undefined');
  assert.equal(
    stderrOf(() => logError('search.query failed', bug)),
    'lookbook: search.query failed: x is undefined\n',
  );
  assert.equal(
    stderrOf(() => logError('the folder does not exist')),
    'lookbook: the folder does not exist\n',
  );
  assert.equal(
    stderrOf(() => logWarning('using the demo model')),
    'lookbook: using the demo model\n',
  );

  process.env.LOOKBOOK_DEBUG = '1';
  const withStack = stderrOf(() => logError('search.query failed', bug));
  assert.match(
    withStack,
    /^lookbook: search\.query failed: x is undefined\nTypeError: x is undefined\n\s+at /,
  );

  process.env.LOOKBOOK_DEBUG = '0';
  assert.equal(isVerbose(), false, 'LOOKBOOK_DEBUG=0 means off');
  setVerbose(true);
  assert.match(
    stderrOf(() => logError('failed', bug)),
    /\n\s+at /,
  );
});

test('the CLI turns stack traces on with --verbose, before or after the command', async () => {
  delete process.env.LOOKBOOK_DEBUG;
  for (const argv of [['--verbose', 'boom'], ['boom', '--verbose'], ['boom']]) {
    setVerbose(false);
    const program = buildProgram();
    let verboseInAction: boolean | undefined;
    program.command('boom').action(() => {
      verboseInAction = isVerbose();
    });
    await program.parseAsync(argv, { from: 'user' });
    assert.equal(verboseInAction, argv.includes('--verbose'), argv.join(' '));
  }
});
