import { randomBytes } from 'node:crypto';
import { resolveCommand } from './command-registry.js';
import type { ProcessIo, ProcessOutcome } from './process-io.js';

/**
 * Starts `argv` in the container. A program the image does not have fails the way runc reports it
 * through containerd, before any output: the exec never starts.
 */
export async function runExecCommand(argv: string[], io: ProcessIo): Promise<ProcessOutcome> {
  const [program, ...args] = argv;
  if (program === undefined) {
    return { type: 'runtime-error', message: 'failed to exec in container: no command given' };
  }
  const command = resolveCommand(program);
  if (command === undefined) return { type: 'runtime-error', message: execFailure(program) };
  return { type: 'exit', code: await command(args, io) };
}

function execFailure(program: string): string {
  const reason = program.includes('/')
    ? `exec: "${program}": stat ${program}: no such file or directory`
    : `exec: "${program}": executable file not found in $PATH`;
  const execId = randomBytes(32).toString('hex');
  return (
    `failed to exec in container: failed to start exec "${execId}": OCI runtime exec failed: ` +
    `exec failed: unable to start container process: ${reason}: unknown`
  );
}
