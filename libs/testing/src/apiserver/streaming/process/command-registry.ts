import { BUILTIN_COMMANDS } from './builtin-commands.js';
import { runShell } from './mini-shell.js';
import type { SimulatedCommand } from './process-io.js';

const SHELLS = new Set(['sh', 'ash', 'bash']);
const BIN_DIRECTORIES = new Set([
  '/bin',
  '/sbin',
  '/usr/bin',
  '/usr/sbin',
  '/usr/local/bin',
  '/usr/local/sbin',
]);

/** Finds a program by name or by its path in one of the image's bin directories. */
export function resolveCommand(nameOrPath: string): SimulatedCommand | undefined {
  let name = nameOrPath;
  const slash = nameOrPath.lastIndexOf('/');
  if (slash >= 0) {
    if (!BIN_DIRECTORIES.has(nameOrPath.slice(0, slash))) return undefined;
    name = nameOrPath.slice(slash + 1);
  }
  if (SHELLS.has(name)) return (args, io) => runShell(args, io, resolveCommand);
  return BUILTIN_COMMANDS.get(name);
}
