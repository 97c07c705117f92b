import { realpathSync } from 'node:fs';
import { readCliEnvironment } from './cli-environment.js';
import { processIo } from './cli-io.js';
import type { CommandContext } from './commands/command-context.js';
import { parseCredentialArgs, runCredentialFastPath } from './credential-fast-path.js';

const env = readCliEnvironment(process.env, {
  stdin: process.stdin.isTTY === true,
  stderr: process.stderr.isTTY === true,
});
// kubectl starts the plugin from any folder: the absolute Node binary and script that run now.
const launcher = { command: process.execPath, args: process.argv[1] ? [realpathSync(process.argv[1])] : [] };
const ctx: CommandContext = { env, io: processIo, launcher, now: Date.now, prompt: askOnTerminal };
const argv = process.argv.slice(2);

// `tether kube ls | head`: a reader that stops early is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

async function askOnTerminal(question: string): Promise<string> {
  const { createInterface } = await import('node:readline/promises');
  const terminal = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return await terminal.question(question);
  } finally {
    terminal.close();
  }
}

async function main(): Promise<number> {
  const credential = parseCredentialArgs(argv);
  if (credential) return runCredentialFastPath(ctx, credential);
  const { runCli } = await import('./cli-program.js');
  return runCli(ctx, argv);
}

void main().then((code) => {
  process.exitCode = code;
});
