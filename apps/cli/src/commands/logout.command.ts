import { BrokerApi } from '../broker/broker-api.js';
import { CliError } from '../errors/cli-error.js';
import { TokenCache } from '../session/token-cache.js';
import { type CommandContext, resolveBroker } from './command-context.js';

/** `tether logout`: revokes the session at the broker, then forgets it here whatever the broker said. */
export async function logoutCommand(ctx: CommandContext, options: { broker?: string }): Promise<void> {
  const target = resolveBroker(ctx, options.broker);
  const cache = new TokenCache(ctx.env.configDir, target.url);
  const session = cache.read();
  if (!session) {
    ctx.io.out(`Not signed in to ${target.url}.\n`);
    return;
  }
  cache.remove();
  try {
    await new BrokerApi(target.url, target.caPem ? { caPem: target.caPem } : {}).revoke(session.refreshToken);
  } catch (error) {
    if (error instanceof CliError) {
      throw new CliError(
        error.code,
        `signed out here, but the broker could not revoke the session: ${error.message}`,
        `The session stays valid on the broker until ${session.refreshExpiresAt}; its tokens were deleted from this computer.`,
      );
    }
    throw error;
  }
  ctx.io.out(`Signed out of ${target.url}.\n`);
}
