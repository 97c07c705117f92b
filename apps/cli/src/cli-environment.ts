import { homedir } from 'node:os';
import { join } from 'node:path';

/** Everything the CLI takes from its environment, read once in main (STYLE.md rule 3). */
export interface CliEnvironment {
  /** `$TETHER_CONFIG_DIR`, else `$XDG_CONFIG_HOME/tether`, else `~/.config/tether`. */
  configDir: string;
  /** True when `$TETHER_CONFIG_DIR` chose the folder: kubeconfig exec entries then pass it on to the plugin. */
  configDirFromEnv: boolean;
  homeDir: string;
  /** Raw `$KUBECONFIG` (a path list). */
  kubeconfig: string | undefined;
  /** Raw `$KUBERNETES_EXEC_INFO`, set by kubectl when it runs the exec plugin. */
  execInfo: string | undefined;
  /** `$BROWSER`, the command that opens a URL, when set. */
  browser: string | undefined;
  /** `$PATH`, to look for `xdg-open`/`open`. */
  path: string;
  /** stdin and stderr are terminals: a person is watching and may use a browser. */
  interactiveTerminal: boolean;
  debug: boolean;
  platform: NodeJS.Platform;
}

export function readCliEnvironment(
  env: NodeJS.ProcessEnv,
  tty: { stdin: boolean; stderr: boolean },
  platform: NodeJS.Platform = process.platform,
): CliEnvironment {
  const homeDir = env.HOME || homedir();
  const fromEnv = nonEmpty(env.TETHER_CONFIG_DIR);
  const xdg = nonEmpty(env.XDG_CONFIG_HOME);
  return {
    configDir: fromEnv ?? join(xdg ?? join(homeDir, '.config'), 'tether'),
    configDirFromEnv: fromEnv !== undefined,
    homeDir,
    kubeconfig: nonEmpty(env.KUBECONFIG),
    execInfo: nonEmpty(env.KUBERNETES_EXEC_INFO),
    browser: nonEmpty(env.BROWSER),
    path: env.PATH ?? '',
    interactiveTerminal: tty.stdin && tty.stderr,
    debug: Boolean(nonEmpty(env.TETHER_DEBUG)),
    platform,
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value && value.length > 0 ? value : undefined;
}
