import { BrokerApi, type ClusterSummary } from '../broker/broker-api.js';
import { brokerEntryName } from '../config/broker-url.js';
import { CliError } from '../errors/cli-error.js';
import { execApiVersion } from '../exec/exec-credential.js';
import { updateKubeconfigFile } from '../kubeconfig/kubeconfig-file.js';
import { mergeKubeconfig, type ExecConfig, type TetherKubeEntry } from '../kubeconfig/kubeconfig-merge.js';
import { kubeconfigWritePath } from '../kubeconfig/kubeconfig-target.js';
import { activeSession } from '../session/broker-session.js';
import { type BrokerTarget, type CommandContext, resolveBroker } from './command-context.js';

export interface KubeLoginOptions {
  broker?: string;
  all?: boolean;
  kubeconfig?: string;
}

/**
 * `tether kube login <cluster>|--all`: a kubectl context per cluster, named after the cluster, whose user
 * runs `tether kube credential` as an exec plugin. Other kubeconfig entries stay untouched.
 */
export async function kubeLoginCommand(
  ctx: CommandContext,
  cluster: string | undefined,
  options: KubeLoginOptions,
): Promise<void> {
  if (!cluster === !options.all) {
    throw new CliError('usage', 'name one cluster or pass --all', 'Example: tether kube login dev-east');
  }
  const target = resolveBroker(ctx, options.broker);
  const session = await activeSession(ctx, target);
  const clusters = await new BrokerApi(target.url, target.caPem ? { caPem: target.caPem } : {}).clusters(
    session.accessToken,
  );
  const chosen = cluster ? [findCluster(clusters, cluster, target.url)] : clusters;
  if (chosen.length === 0)
    throw new CliError('unknown_cluster', `no clusters are registered at ${target.url}`);
  const entries = chosen.map((c) => kubeEntry(ctx, target, c.name));
  const path = kubeconfigWritePath(options.kubeconfig, ctx.env.kubeconfig, ctx.env.homeDir);
  const written = await updateKubeconfigFile(path, (existing) =>
    mergeKubeconfig(existing, entries, { source: path, ...(cluster ? { currentContext: cluster } : {}) }),
  );
  for (const c of chosen) {
    ctx.io.out(
      `Context ${c.name} → ${clusterServer(target.url, c.name)}${c.online ? '' : ' (agent offline)'}\n`,
    );
  }
  ctx.io.out(`Wrote ${written}${cluster ? `; current context is now ${cluster}` : ''}.\n`);
}

function findCluster(clusters: ClusterSummary[], name: string, broker: string): ClusterSummary {
  const found = clusters.find((c) => c.name === name);
  if (found) return found;
  const known = clusters.map((c) => c.name).join(', ') || 'none';
  throw new CliError('unknown_cluster', `${broker} has no cluster ${name} you can see (clusters: ${known})`);
}

export function clusterServer(broker: string, cluster: string): string {
  return `${broker}/k8s/${encodeURIComponent(cluster)}`;
}

function kubeEntry(ctx: CommandContext, target: BrokerTarget, cluster: string): TetherKubeEntry {
  // The cluster rides in the plugin's arguments, so one user entry per cluster: kubectl caches credentials
  // per exec configuration, and a per-cluster token stays possible without rewriting kubeconfigs.
  const name = `${brokerEntryName(target.url)}-${cluster}`;
  const exec: ExecConfig = {
    apiVersion: execApiVersion,
    command: ctx.launcher.command,
    args: [...ctx.launcher.args, 'kube', 'credential', cluster, '--broker', target.url],
    // A config folder chosen by $TETHER_CONFIG_DIR must reach the plugin even when kubectl runs elsewhere.
    ...(ctx.env.configDirFromEnv ? { env: [{ name: 'TETHER_CONFIG_DIR', value: ctx.env.configDir }] } : {}),
    interactiveMode: 'IfAvailable',
    provideClusterInfo: false,
    installHint:
      'kubectl runs the tether CLI to sign in to this cluster. Build it in the Tether repository with\n' +
      '"npx tsc -b apps/cli", then run "tether kube login --all" again.',
  };
  return {
    context: cluster,
    cluster: {
      name,
      server: clusterServer(target.url, cluster),
      ...(target.caPem ? { certificateAuthorityData: Buffer.from(target.caPem).toString('base64') } : {}),
    },
    user: { name, exec },
  };
}
