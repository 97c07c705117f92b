import { AuditApi } from '../broker/audit-api.js';
import { BrokerApi } from '../broker/broker-api.js';
import { CliError } from '../errors/cli-error.js';
import { activeSession } from '../session/broker-session.js';
import { type CommandContext, resolveBroker } from './command-context.js';

/**
 * The audit log API for the chosen broker, signed in: on the auditor the broker names in
 * `/auth/config`, else on the broker itself; the broker's CA is trusted for both.
 */
export async function auditApiFor(ctx: CommandContext, broker: string | undefined): Promise<AuditApi> {
  const target = resolveBroker(ctx, broker);
  await activeSession(ctx, target); // not signed in: say so before touching the network
  const tls = target.caPem ? { caPem: target.caPem } : {};
  const { auditUrl } = await new BrokerApi(target.url, tls).authConfig();
  if (auditUrl !== undefined && !/^https?:\/\/[^/]/.test(auditUrl)) {
    throw new CliError(
      'broker_error',
      `${target.url}/auth/config names an auditor that is not an http(s) URL: ${auditUrl}`,
    );
  }
  return new AuditApi(target.url, async () => (await activeSession(ctx, target)).accessToken, {
    ...tls,
    ...(auditUrl ? { auditUrl: auditUrl.replace(/\/+$/, '') } : {}),
  });
}
