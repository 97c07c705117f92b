import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ApiServerSimulator,
  demoClusterManifests,
  demoClusterTokens,
  testKafkaBrokers,
} from '@tether/testing';
import { parse, stringify } from 'yaml';
import { followPrintedCommands, NpmStartSession } from './npm-start-session';

/**
 * The user's own kubeconfig as kind writes one: an admin context for "their" cluster (here a simulator,
 * the one real API server this machine can have), and a current context that points elsewhere, so
 * only --agent-context makes the agent reach the right one.
 */
function usersKubeconfig(cluster: ApiServerSimulator): string {
  const config = parse(cluster.kubeconfig({ token: 'admin-token', contextName: 'kind-demo' })) as {
    clusters: Array<{ name: string; cluster: Record<string, string> }>;
    users: Array<{ name: string; user: Record<string, string> }>;
    contexts: Array<{ name: string; context: Record<string, string> }>;
    'current-context': string;
  };
  config.clusters.push({ name: 'elsewhere', cluster: { server: 'https://127.0.0.1:1' } });
  config.users.push({ name: 'elsewhere', user: { token: 'nothing' } });
  config.contexts.push({ name: 'elsewhere', context: { cluster: 'elsewhere', user: 'elsewhere' } });
  config['current-context'] = 'elsewhere';
  return stringify(config);
}

// npm start with TETHER_KAFKA_BROKERS (events through the real Kafka to an auditor it starts) and with a
// cluster of the user's own joined through --agent-kubeconfig: the same printed commands work, and the
// own cluster serves kubectl through Tether, impersonating the person.
describe('npm start with Kafka and a cluster of your own', () => {
  let own: ApiServerSimulator;
  let session: NpmStartSession;
  let kubeconfigDir: string;

  beforeAll(async () => {
    own = await ApiServerSimulator.start({
      clusterName: 'kind-demo',
      tokens: demoClusterTokens,
      manifests: [demoClusterManifests],
    });
    kubeconfigDir = mkdtempSync(join(tmpdir(), 'tether-own-kube-'));
    const kubeconfig = join(kubeconfigDir, 'config');
    writeFileSync(kubeconfig, usersKubeconfig(own), { mode: 0o600 });
    session = await NpmStartSession.start(
      ['--agent-kubeconfig', kubeconfig, '--agent-context', 'kind-demo'],
      {
        TETHER_KAFKA_BROKERS: testKafkaBrokers().join(','),
        TETHER_KAFKA_TOPIC: `tether.audit.npm-start.${randomBytes(4).toString('hex')}`,
        KAFKAJS_NO_PARTITIONER_WARNING: '1',
      },
    );
    expect(session.printed).toContain('Tether is running');
  });
  afterAll(async () => {
    session?.dispose();
    await own?.close();
    rmSync(kubeconfigDir, { recursive: true, force: true });
  });

  it('says where the audit events go and which cluster of yours it joined', () => {
    expect(session.printed).toMatch(
      /audit +Kafka \S+, topic tether\.audit\.npm-start\.\w+, read by the auditor at http:\/\/127\.0\.0\.1:\d+/,
    );
    expect(session.printed).toContain('kind-demo (kind-demo of ');
  });

  it('prints commands that work exactly as printed, the audit search answered by the auditor', async () => {
    await followPrintedCommands(session);
  });

  it('serves kubectl on your own cluster as the signed-in person, impersonated by its agent', async () => {
    const kubectlLine = session.commands().find((line) => line.includes('--context kind-demo'));
    expect(kubectlLine).toBeDefined();
    const before = own.requests.length;
    const result = await session.run(kubectlLine as string);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^NAME\s+STATUS/);
    expect(result.stdout).toMatch(/\bweb\s+Active/);
    const seen = own.requests
      .slice(before)
      .filter((request) => request.path.split('?')[0] === '/api/v1/namespaces');
    expect(seen.length).toBeGreaterThan(0);
    for (const request of seen) {
      expect(request.authenticatedUser?.username).toBe('admin');
      expect(request.effectiveUser?.username).toBe('alice@example.com');
    }
  });

  it('stops everything on Ctrl-C, the auditor too', async () => {
    expect(await session.interrupt()).toBe(true);
  });
});
