// The `lookbook` command. Each area registers its sub-commands from main/cli/commands/; this file only
// wires them together and turns errors into one clear line and a non-zero exit code.
// First: LanceDB's native log level is fixed when it loads (see native-log.ts).
import '../store/native-log.js';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { diskFullMessage, isDiskFull, isUserError } from '../errors.js';
import { resolveDataDir } from '../host/data-dir.js';
import { logError, setVerbose } from '../log.js';
import { lookbookPackage } from '../package-root.js';
import { registerAlbumCommands } from './commands/album-commands.js';
import { registerDuplicateCommands } from './commands/duplicate-commands.js';
import { registerModelsCommands } from './commands/models-commands.js';
import { registerEngineCommands } from './commands/engine-commands.js';
import { registerLibraryCommands } from './commands/library-commands.js';
import { registerServeCommands } from './commands/serve-commands.js';
import { registerTaggingCommands } from './commands/tagging-commands.js';
import { registerTrashCommands } from './commands/trash-commands.js';
import { registerTuningCommands } from './commands/tuning-commands.js';

// [Note: CLI command registration] Each command module exports `register…Commands(program)`;
// import it above and list it here.
const registrations: Array<(program: Command) => void> = [
  registerServeCommands,
  registerModelsCommands,
  registerEngineCommands,
  registerLibraryCommands,
  registerTaggingCommands,
  registerTuningCommands,
  registerAlbumCommands,
  registerDuplicateCommands,
  // After the `duplicates` listing command (its resolve and undo are added to it).
  registerTrashCommands,
];

/**
 * Commands for people who check models or move data to other tools, not for organizing photos: listed
 * apart in `lookbook --help`, so the everyday commands are what a newcomer reads first.
 */
export const DEVELOPER_COMMANDS: readonly string[] = [
  'embed',
  'tokenize',
  'preprocess',
  'eval',
  'classify-eval',
  'export-features',
];
export const EVERYDAY_HEADING = 'Everyday commands:';
export const DEVELOPER_HEADING = 'Developer commands (checking models, exporting data):';

export function buildProgram(): Command {
  const program = new Command('lookbook')
    .description(
      'Find your photos by describing them, tag them, and teach Lookbook your own words. Everything runs on this computer; nothing leaves it.',
    )
    .option(
      '--data-dir <dir>',
      'where the library keeps its state (default: LOOKBOOK_DATA_DIR or the OS app-data folder)',
    )
    .option(
      '--store <uri>',
      "where the library's tables live: a shared folder or s3://bucket/prefix (default: LOOKBOOK_STORE, or inside the data directory)",
    )
    .option('--verbose', 'print the stack trace of an unexpected error (as LOOKBOOK_DEBUG=1 does)')
    .version(versionLine(), '-V, --version')
    .showHelpAfterError()
    .exitOverride()
    .hook('preAction', (_program, action) => {
      if (action.optsWithGlobals<{ verbose?: boolean }>().verbose) setVerbose(true);
    });
  // Every command is an everyday one (`help` included) unless it is listed as a developer command.
  program.commandsGroup(EVERYDAY_HEADING);
  for (const register of registrations) register(program);
  for (const command of program.commands)
    if (DEVELOPER_COMMANDS.includes(command.name())) command.helpGroup(DEVELOPER_HEADING);
  program.helpCommand('help [command]', 'show help for a command');
  return program;
}

export async function runCli(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    if (isUserError(e)) {
      logError(e.message);
      return 1;
    }
    // Not a bug but the machine: say so in words, without LanceDB's internals (see [Note: disk full]).
    if (isDiskFull(e)) {
      logError(diskFullMessage(e, dataDirOr(program)));
      return 1;
    }
    // Not a user error: a bug. Still no stack trace unless asked for, but enough to report it.
    logError('unexpected error', e);
    return 1;
  }
}

/** The data directory the command used, if it can be told. */
function dataDirOr(program: Command): string | undefined {
  try {
    return resolveDataDir(program.opts<{ dataDir?: string }>().dataDir);
  } catch {
    return undefined;
  }
}

/**
 * Runs the command line as a program: exit code, and quiet stops when the reader goes away. The entry
 * points are bin/lookbook.js (compiled build or sources) and this file run directly.
 */
export async function main(argv: string[]): Promise<void> {
  // `lookbook search … | head`: the reader has gone, so stop quietly like other Unix tools instead of
  // crashing on an unhandled EPIPE with a stack trace.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw e;
    });
  }
  process.exitCode = await runCli(argv);
}

const invokedDirectly =
  process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) void main(process.argv.slice(2));

/**
 * The version, and how this copy runs: from the TypeScript sources (through tsx) or compiled
 * (`npm run build:electron`, which `npm install` runs), the one that starts faster.
 */
function versionLine(): string {
  const fromSources = import.meta.url.endsWith('.ts');
  return `${packageVersion()} (${fromSources ? 'from the TypeScript sources' : 'compiled'})`;
}

function packageVersion(): string {
  try {
    return lookbookPackage().version;
  } catch {
    return 'unknown';
  }
}
