/**
 * `npm start`: the embedded stack on one machine — broker in dev mode, the dev IdP, two simulated
 * clusters each with its agent — and the commands to try next.
 */
import { existsSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { findRepoRoot } from '../kubectl/kubectl-binary.js';
import { type StartedNode, startNode } from './node-process.js';
import { demoPolicyFile, type OwnCluster, startTetherStack } from './tether-stack.js';

const usage = `Usage: npm start -- [--reset] [--state-dir DIR] [--broker-port N] [--idp-port N] [--auditor-port N]
                    [--agent-kubeconfig PATH [--agent-context NAME] [--agent-cluster NAME]]

Runs Tether on this machine: the broker (dev mode, private CA), the dev identity provider with
alice (platform-admins), bob (developers) and carol (security-auditors), and two simulated clusters,
dev-east and dev-west, each with its agent connected, under the access policy in
deploy/policy/demo-policy.yaml (edit it while Tether runs). Ctrl-C stops everything.

  --state-dir DIR    keys and certificates, reused on the next start (default .tether)
  --reset            start with a fresh state folder
  --broker-port N    broker HTTPS port (default 8443)
  --idp-port N       dev IdP port (default 8444)
  --auditor-port N   the auditor's HTTP port, with TETHER_KAFKA_BROKERS (default 8445)

  --agent-kubeconfig PATH   also join a real cluster this kubeconfig reaches (kind, minikube): an
                            agent replays requests to it, impersonating the people Tether signs in,
                            so the kubeconfig's user must be allowed to impersonate (kind's admin is)
  --agent-context NAME      the context in that kubeconfig (default its current context)
  --agent-cluster NAME      the cluster's name in Tether (default the context name, else "own")

Audit events go to the broker's embedded store (\`tether audit search\` reads it). With
TETHER_KAFKA_BROKERS=host:port set, they go to that Kafka instead (topic TETHER_KAFKA_TOPIC, default
tether.audit.v1) and an auditor reads them into its own store, where \`tether audit search\` finds them.
`;

const auditorMain = (repoRoot: string) => join(repoRoot, 'apps', 'auditor', 'dist', 'main.js');

/** A DNS label Tether accepts as a cluster name, from a kubeconfig context name like "kind-kind". */
function clusterNameOf(context: string | undefined): string {
  const name = (context ?? '')
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63);
  return name === '' || name === 'dev-east' || name === 'dev-west' ? 'own' : name;
}

function ownClusterOf(values: Record<string, string | boolean | undefined>): OwnCluster | undefined {
  const kubeconfig = values['agent-kubeconfig'] as string | undefined;
  if (kubeconfig === undefined) {
    if (values['agent-context'] !== undefined || values['agent-cluster'] !== undefined)
      throw new Error('--agent-context and --agent-cluster need --agent-kubeconfig PATH');
    return undefined;
  }
  const kubeconfigPath = resolve(process.cwd(), kubeconfig);
  if (!existsSync(kubeconfigPath)) throw new Error(`--agent-kubeconfig ${kubeconfig}: no such file`);
  const context = values['agent-context'] as string | undefined;
  const name = (values['agent-cluster'] as string | undefined) ?? clusterNameOf(context);
  if (!/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(name) || name === 'dev-east' || name === 'dev-west')
    throw new Error(`--agent-cluster ${name}: must be a DNS label other than dev-east and dev-west`);
  return { name, kubeconfigPath, ...(context ? { context } : {}) };
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolvePort) => {
    const probe = createServer();
    probe.once('error', () => resolvePort(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolvePort(true)));
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      reset: { type: 'boolean', default: false },
      'state-dir': { type: 'string', default: '.tether' },
      'broker-port': { type: 'string', default: '8443' },
      'idp-port': { type: 'string', default: '8444' },
      'auditor-port': { type: 'string', default: '8445' },
      'agent-kubeconfig': { type: 'string' },
      'agent-context': { type: 'string' },
      'agent-cluster': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(usage);
    return;
  }
  const repoRoot = findRepoRoot(__dirname);
  const stateDir = resolve(process.cwd(), values['state-dir'] ?? '.tether');
  const brokerPort = Number(values['broker-port']);
  const idpPort = Number(values['idp-port']);
  const auditorPort = Number(values['auditor-port']);
  const ownCluster = ownClusterOf(values);
  // Audit events go to the broker's embedded store unless a Kafka is named (then an auditor reads it).
  const kafkaBrokers = process.env.TETHER_KAFKA_BROKERS;
  const kafkaTopic = process.env.TETHER_KAFKA_TOPIC ?? 'tether.audit.v1';
  const ports: Array<readonly [string, number]> = [
    ['broker', brokerPort],
    ['idp', idpPort],
    ...(kafkaBrokers ? [['auditor', auditorPort] as const] : []),
  ];
  for (const [name, port] of ports) {
    if (!Number.isInteger(port) || port <= 0 || port > 65535)
      throw new Error(`--${name}-port must be a port number`);
    if (!(await portFree(port))) throw new Error(`port ${port} is taken; choose another with --${name}-port`);
  }
  if (values.reset) rmSync(stateDir, { recursive: true, force: true });

  const auditorUrl = `http://127.0.0.1:${auditorPort}`;
  process.stderr.write(
    `starting Tether (broker, dev IdP, dev-east, dev-west${ownCluster ? `, ${ownCluster.name}` : ''}${kafkaBrokers ? ', auditor' : ''})...\n`,
  );
  const stack = await startTetherStack({
    signIn: true,
    stateDir,
    brokerPort,
    idpPort,
    logIntervalMs: 1000,
    policyFile: demoPolicyFile,
    brokerEnv: kafkaBrokers
      ? {
          TETHER_BROKER_KAFKA_BROKERS: kafkaBrokers,
          TETHER_BROKER_KAFKA_TOPIC: kafkaTopic,
          TETHER_BROKER_AUDITOR_URL: auditorUrl,
        }
      : {},
    ...(ownCluster ? { ownClusters: [ownCluster] } : {}),
  });
  let auditor: StartedNode | undefined;
  if (kafkaBrokers) {
    auditor = await startNode(auditorMain(repoRoot), {
      env: {
        TETHER_AUDITOR_PORT: String(auditorPort),
        TETHER_AUDITOR_KAFKA_BROKERS: kafkaBrokers,
        TETHER_AUDITOR_KAFKA_TOPIC: kafkaTopic,
        TETHER_AUDITOR_DATA_DIR: join(stateDir, 'auditor-data'),
        TETHER_AUDITOR_BROKER_JWKS_URL: `${stack.brokerUrl}/.well-known/jwks.json`,
        TETHER_AUDITOR_BROKER_ISSUER: stack.brokerUrl,
        TETHER_AUDITOR_BROKER_CA_FILE: stack.brokerCaFile,
      },
      readyPattern: /auditor listening/,
      timeoutMs: 60_000,
    }).catch(async (error: unknown) => {
      await stack.stop();
      throw error;
    });
  }
  const shown = (path: string) => relative(process.cwd(), path) || '.';
  const kubeconfig = shown(`${stateDir}/kubeconfig`);
  const kubectl = shown(`${repoRoot}/.tools/bin/kubectl`);
  process.stdout.write(`
Tether is running. Ctrl-C stops it.
  broker     ${stack.brokerUrl}   (private CA ${shown(stack.brokerCaFile)})
  dev IdP    ${stack.idp?.issuer}    (users alice, bob, carol; password tether)
  clusters   dev-east, dev-west (simulated)${ownCluster ? `, ${ownCluster.name} (${ownCluster.context ?? 'current context'} of ${shown(ownCluster.kubeconfigPath)})` : ''}, agents connected
  audit      ${kafkaBrokers ? `Kafka ${kafkaBrokers}, topic ${kafkaTopic}, read by the auditor at ${auditorUrl}` : 'embedded store'} (tether audit search)
  policy     ${shown(stack.policyFile)}   (who may do what; edits apply within 2 s)

Try, from this folder:
  npx tether login --broker ${stack.brokerUrl} --broker-ca ${shown(stack.brokerCaFile)} --dev-user bob
  npx tether kube ls
  npx tether kube login --all --kubeconfig ${kubeconfig}
  ${kubectl} --kubeconfig ${kubeconfig} --context dev-east get pods -n web
  ${kubectl} --kubeconfig ${kubeconfig} --context dev-west delete configmap frontend-config -n web   # bob may only read dev-west: denied
  npx tether access request dev-west --role on-call --for 1h --reason "deploy the fix"   # waits for a platform admin
  npx tether login --dev-user alice       # platform-admins: everything, everywhere
  ${kubectl} --kubeconfig ${kubeconfig} --context dev-east get pods -A
  npx tether access approve --requester bob@example.com
  npx tether login --dev-user bob
  ${kubectl} --kubeconfig ${kubeconfig} --context dev-west delete configmap frontend-config -n web   # allowed now: on-call approved
  npx tether login --dev-user carol       # security-auditors: may read the audit log
  npx tether audit search --since 1h
  npx tether audit search --user bob@example.com --decision deny
${
  ownCluster
    ? `
Your own cluster, ${ownCluster.name}, through Tether (platform-admins may do everything there):
  npx tether login --dev-user alice
  npx tether kube login --all --kubeconfig ${kubeconfig}
  ${kubectl} --kubeconfig ${kubeconfig} --context ${ownCluster.name} get namespaces
`
    : ''
}
Without --dev-user, \`npx tether login\` opens the dev IdP's login page in a browser.
`);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    process.stderr.write('\nstopping Tether...\n');
    void Promise.all([auditor?.stop(), stack.stop()]).then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`tether: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
