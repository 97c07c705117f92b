import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BrokerClient } from '../broker/broker-client.js';
import { ClusterApi } from '../broker/cluster-api.js';
import { activeSession } from '../session/broker-session.js';
import { type BrokerTarget, type CommandContext, resolveBroker } from './command-context.js';

/** The cluster administration API of the chosen broker, signed in. */
export async function clusterApiFor(
  ctx: CommandContext,
  broker: string | undefined,
): Promise<{ api: ClusterApi; target: BrokerTarget }> {
  const target = resolveBroker(ctx, broker);
  const session = await activeSession(ctx, target);
  const client = new BrokerClient(target.url, target.caPem ? { caPem: target.caPem } : {});
  return { api: new ClusterApi(client, session.accessToken), target };
}

/**
 * A file holding the broker's private CA for `helm --set-file broker.caCert=...`: the one configured
 * for the broker, else a copy of the stored PEM in the config folder. Undefined for a public CA.
 */
export function brokerCaFileFor(ctx: CommandContext, target: BrokerTarget): string | undefined {
  const configured = target.config.brokers[target.url]?.caFile;
  if (configured) return configured;
  if (!target.caPem) return undefined;
  mkdirSync(ctx.env.configDir, { recursive: true, mode: 0o700 });
  const file = join(
    ctx.env.configDir,
    `broker-ca-${new URL(target.url).host.replace(/[^A-Za-z0-9.-]/g, '_')}.pem`,
  );
  writeFileSync(file, target.caPem, { mode: 0o644 });
  return file;
}

/** The broker's `helm install` line, plus the CA the agent must trust when the broker has a private one. */
export function withBrokerCa(helmLine: string, caFile: string | undefined): string {
  return caFile ? `${helmLine} --set-file broker.caCert=${caFile}` : helmLine;
}
