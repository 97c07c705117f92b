import { CliError, exitCodeFor, exitCodes } from './cli-error.js';

/** The one place that turns any failure into a message on stderr and an exit code. */
export function reportError(error: unknown, writeErr: (text: string) => void, debug = false): number {
  if (error instanceof CliError) {
    writeErr(`tether: ${error.message}\n`);
    if (error.hint) writeErr(`  ${error.hint}\n`);
    return exitCodeFor(error.code);
  }
  const message = error instanceof Error ? error.message : String(error);
  writeErr(`tether: unexpected error: ${message}\n`);
  if (debug && error instanceof Error && error.stack) writeErr(`${error.stack}\n`);
  return exitCodes.error;
}
