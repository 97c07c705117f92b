import type { StoredSession } from '../session/stored-session.js';
import { CliError } from '../errors/cli-error.js';
import { execCredential, execIsInteractive } from '../exec/exec-credential.js';
import { activeSession } from '../session/broker-session.js';
import { type CommandContext, resolveBroker } from './command-context.js';

/**
 * `tether kube credential <cluster>`: the kubectl exec plugin. Prints only the ExecCredential JSON on
 * stdout. Cached token when it has 30 s left; else a refresh; else, when kubectl lets it talk to the
 * person, a browser sign-in; else exit 3 with what to run.
 */
export async function kubeCredentialCommand(
  ctx: CommandContext,
  _cluster: string,
  options: { broker?: string },
): Promise<void> {
  const target = resolveBroker(ctx, options.broker);
  let session: StoredSession;
  try {
    session = await activeSession(ctx, target);
  } catch (error) {
    if (
      !(error instanceof CliError) ||
      error.code !== 'login_required' ||
      !execIsInteractive(ctx.env.execInfo)
    ) {
      throw error;
    }
    ctx.io.err(`tether: ${target.url} needs you to sign in again.\n`);
    const { signIn } = await import('../login/sign-in.js');
    session = await signIn(ctx, target, {});
  }
  ctx.io.out(`${JSON.stringify(execCredential(session.accessToken, session.accessExpiresAt))}\n`);
}
