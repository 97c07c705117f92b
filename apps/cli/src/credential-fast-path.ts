import type { CommandContext } from './commands/command-context.js';
import { kubeCredentialCommand } from './commands/kube-credential.command.js';
import { exitCodes } from './errors/cli-error.js';
import { reportError } from './errors/error-report.js';

export interface CredentialArgs {
  cluster: string;
  broker?: string;
}

/**
 * kubectl runs `tether kube credential <cluster> [--broker URL]` before every call, so that exact form is
 * recognised here without loading the full command parser. Anything else (help, a typo, extra options)
 * returns undefined and goes through the regular parser, with its usage messages.
 */
export function parseCredentialArgs(argv: string[]): CredentialArgs | undefined {
  if (argv[0] !== 'kube' || argv[1] !== 'credential') return undefined;
  let cluster: string | undefined;
  let broker: string | undefined;
  for (let i = 2; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--broker' && broker === undefined && argv[i + 1] && !argv[i + 1]?.startsWith('-'))
      broker = argv[++i];
    else if (arg.startsWith('--broker=') && broker === undefined && arg.length > 9) broker = arg.slice(9);
    else if (!arg.startsWith('-') && cluster === undefined) cluster = arg;
    else return undefined;
  }
  if (cluster === undefined) return undefined;
  return broker === undefined ? { cluster } : { cluster, broker };
}

export async function runCredentialFastPath(ctx: CommandContext, args: CredentialArgs): Promise<number> {
  try {
    await kubeCredentialCommand(ctx, args.cluster, args.broker === undefined ? {} : { broker: args.broker });
    return exitCodes.ok;
  } catch (error) {
    return reportError(error, (s) => ctx.io.err(s), ctx.env.debug);
  }
}
