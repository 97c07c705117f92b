import type { CliEnvironment } from '../cli-environment.js';
import type { CliIo } from '../cli-io.js';
import { normalizeBrokerUrl } from '../config/broker-url.js';
import { CliConfigStore, type CliConfig } from '../config/cli-config-store.js';
import { CliError } from '../errors/cli-error.js';

/** How kubectl should start this CLI again: an absolute command and the arguments before the CLI's own. */
export interface CliLauncher {
  command: string;
  args: string[];
}

/** What every command gets from main: the environment read once, where to write, and how it was started. */
export interface CommandContext {
  env: CliEnvironment;
  io: CliIo;
  launcher: CliLauncher;
  now: () => number;
  /** Replaces the system browser (tests). */
  openBrowser?: (url: string) => boolean;
  /** Asks the person at the terminal (stderr) and resolves with the line typed; absent without a terminal. */
  prompt?: (question: string) => Promise<string>;
  /** Ends a command that runs until stopped (`audit tail`); default: Ctrl-C (SIGINT) or SIGTERM. */
  interrupt?: AbortSignal;
}

/** The broker a command talks to, with how to trust it. */
export interface BrokerTarget {
  url: string;
  caPem?: string;
  store: CliConfigStore;
  config: CliConfig;
}

/** `--broker URL` when given, else the broker of the last `tether login`. */
export function resolveBroker(ctx: CommandContext, option: string | undefined): BrokerTarget {
  const store = new CliConfigStore(ctx.env.configDir);
  const config = store.read();
  const chosen = option ?? config.currentBroker;
  if (!chosen) {
    throw new CliError(
      'login_required',
      'no broker chosen yet',
      'Sign in first: tether login --broker https://<your broker> [--broker-ca ca.pem]',
    );
  }
  const url = normalizeBrokerUrl(chosen);
  const caPem = store.caPemFor(config, url);
  return { url, store, config, ...(caPem ? { caPem } : {}) };
}
