/**
 * `npm start`: the embedded stack on one machine — broker in dev mode, the dev IdP, two simulated
 * clusters each with its agent — and the commands to try next.
 */
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { findRepoRoot } from '../kubectl/kubectl-binary.js';
import { demoPolicyFile, startTetherStack } from './tether-stack.js';

const usage = `Usage: npm start -- [--reset] [--state-dir DIR] [--broker-port N] [--idp-port N]

Runs Tether on this machine: the broker (dev mode, private CA), the dev identity provider with
alice (platform-admins), bob (developers) and carol (security-auditors), and two simulated clusters,
dev-east and dev-west, each with its agent connected, under the access policy in
deploy/policy/demo-policy.yaml (edit it while Tether runs). Ctrl-C stops everything.

  --state-dir DIR    keys and certificates, reused on the next start (default .tether)
  --reset            start with a fresh state folder
  --broker-port N    broker HTTPS port (default 8443)
  --idp-port N       dev IdP port (default 8444)

Audit events go to the broker's embedded store (\`tether audit search\` reads it). With
TETHER_KAFKA_BROKERS=host:port set, they go to that Kafka instead (topic tether.audit.v1).
`;

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
  for (const [name, port] of [
    ['broker', brokerPort],
    ['idp', idpPort],
  ] as const) {
    if (!Number.isInteger(port) || port <= 0 || port > 65535)
      throw new Error(`--${name}-port must be a port number`);
    if (!(await portFree(port))) throw new Error(`port ${port} is taken; choose another with --${name}-port`);
  }
  if (values.reset) rmSync(stateDir, { recursive: true, force: true });

  // Audit events go to the broker's embedded store unless a Kafka is named (then an auditor reads it).
  const kafkaBrokers = process.env.TETHER_KAFKA_BROKERS;
  process.stderr.write('starting Tether (broker, dev IdP, dev-east, dev-west)...\n');
  const stack = await startTetherStack({
    signIn: true,
    stateDir,
    brokerPort,
    idpPort,
    logIntervalMs: 1000,
    policyFile: demoPolicyFile,
    brokerEnv: kafkaBrokers ? { TETHER_BROKER_KAFKA_BROKERS: kafkaBrokers } : {},
  });
  const shown = (path: string) => relative(process.cwd(), path) || '.';
  const kubeconfig = shown(`${stateDir}/kubeconfig`);
  const kubectl = shown(`${repoRoot}/.tools/bin/kubectl`);
  process.stdout.write(`
Tether is running. Ctrl-C stops it.
  broker     ${stack.brokerUrl}   (private CA ${shown(stack.brokerCaFile)})
  dev IdP    ${stack.idp?.issuer}    (users alice, bob, carol; password tether)
  clusters   dev-east, dev-west (simulated), agents connected
  audit      ${kafkaBrokers ? `Kafka ${kafkaBrokers} (search it with the auditor, apps/auditor)` : 'embedded store (tether audit search)'}
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

Without --dev-user, \`npx tether login\` opens the dev IdP's login page in a browser.
`);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    process.stderr.write('\nstopping Tether...\n');
    void stack.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`tether: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
