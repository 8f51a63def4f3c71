import { spawn } from 'node:child_process';

// `lookbook …` as a separate process (another computer, as far as the library can tell: its own data
// directory), with the environment a person would set for a shared store.

export interface CliRun {
  done: Promise<{ code: number | null; signal: string | null; output: string }>;
  /** What it printed so far (stdout and stderr). */
  output(): string;
  kill(signal?: NodeJS.Signals): void;
}

export function lookbook(dataDir: string, args: string[], env: Record<string, string> = {}): CliRun {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'main/cli/cli.ts', '--data-dir', dataDir, ...args],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      // Only the variables given: none of the AWS_* of whoever runs the tests leaks in.
      env: { ...withoutAws(process.env), ...env },
    },
  );
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const done = new Promise<{ code: number | null; signal: string | null; output: string }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, output })),
  );
  return { done, output: () => output, kill: (signal = 'SIGTERM') => child.kill(signal) };
}

function withoutAws(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env))
    if (v !== undefined && !k.startsWith('AWS_') && k !== 'LOOKBOOK_STORE') out[k] = v;
  return out;
}
