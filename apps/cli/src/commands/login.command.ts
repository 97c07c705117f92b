import { readFileSync } from 'node:fs';
import { CliConfigStore } from '../config/cli-config-store.js';
import { CliError } from '../errors/cli-error.js';
import { signIn } from '../login/sign-in.js';
import { type BrokerTarget, type CommandContext, resolveBroker } from './command-context.js';

export interface LoginOptions {
  broker?: string;
  brokerCa?: string;
  device?: boolean;
  devUser?: string;
}

/** `tether login`: signs in to a broker (browser, device code, or dev user) and makes it the current one. */
export async function loginCommand(ctx: CommandContext, options: LoginOptions): Promise<void> {
  const target = loginTarget(ctx, options);
  const session = await signIn(ctx, target, {
    ...(options.device ? { device: true } : {}),
    ...(options.devUser ? { devUser: options.devUser } : {}),
  });
  const groups = session.user.groups.length ? session.user.groups.join(', ') : 'none';
  ctx.io.out(`Signed in to ${target.url} as ${session.user.username} (groups: ${groups}).\n`);
  ctx.io.out(`Next: tether kube ls, then tether kube login --all\n`);
}

function loginTarget(ctx: CommandContext, options: LoginOptions): BrokerTarget {
  if (!options.broker && !new CliConfigStore(ctx.env.configDir).read().currentBroker) {
    throw new CliError(
      'usage',
      'the first sign-in needs the broker URL',
      'Run: tether login --broker https://<your broker>',
    );
  }
  const target = resolveBroker(ctx, options.broker);
  return options.brokerCa ? { ...target, caPem: readCaFile(options.brokerCa) } : target;
}

function readCaFile(path: string): string {
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (error) {
    throw new CliError(
      'usage',
      `cannot read --broker-ca ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`,
    );
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new CliError('usage', `--broker-ca ${path} holds no PEM certificate`);
  }
  return pem;
}
