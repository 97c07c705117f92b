import { KubectlRunner } from '@tether/testing';
import { startDemoCluster, type DemoCluster } from './demo-cluster.js';

// The pinned kubectl reads the simulated cluster with no special flags: discovery, tables, describe.
describe('kubectl reads the simulated cluster', () => {
  let cluster: DemoCluster;
  let admin: KubectlRunner;

  beforeAll(async () => {
    cluster = await startDemoCluster();
    admin = cluster.kubectl('admin-token');
  });
  afterAll(() => cluster.stop());

  it('lists pods across namespaces with the real columns', async () => {
    const result = await admin.run(['get', 'pods', '-A']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^NAMESPACE\s+NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/);
    expect(
      lines.filter((line) => /^web\s+frontend-[a-z0-9]+-[a-z0-9]{5}\s+1\/1\s+Running\s+0\s+\d+s$/.test(line)),
    ).toHaveLength(2);
    expect(lines.some((line) => /^payments\s+api-[a-z0-9]+-[a-z0-9]{5}\s+1\/1\s+Running/.test(line))).toBe(
      true,
    );
  });

  it('shows deployments READY n/n and services with cluster IPs', async () => {
    const deployments = await admin.run(['get', 'deployments', '-A', '-o', 'wide']);
    expect(deployments.stdout).toMatch(
      /web\s+frontend\s+2\/2\s+2\s+2\s+\S+\s+nginx\s+nginx:1\.27\s+app=frontend/,
    );
    expect(deployments.stdout).toMatch(/payments\s+api\s+1\/1\s+1\s+1/);
    const services = await admin.run(['get', 'svc', '-n', 'web']);
    expect(services.stdout).toMatch(/frontend\s+ClusterIP\s+10\.96\.\d+\.\d+\s+<none>\s+80\/TCP/);
  });

  it('describes a pod with its owner, container state and events', async () => {
    const pods = await admin.run(['get', 'pods', '-n', 'payments', '-o', 'name']);
    const pod = pods.stdout.trim().split('\n')[0] ?? '';
    const result = await admin.run(['describe', '-n', 'payments', pod]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Namespace:\s+payments$/m);
    expect(result.stdout).toMatch(/^Status:\s+Running$/m);
    expect(result.stdout).toMatch(/^Controlled By:\s+ReplicaSet\/api-[a-z0-9]+$/m);
    expect(result.stdout).toMatch(/Image:\s+ghcr\.io\/example\/payments-api:2\.4\.1/);
    expect(result.stdout).toMatch(/LOG_LEVEL:\s+info/);
    expect(result.stdout).toMatch(
      /Normal\s+Scheduled\s+\S+\s+default-scheduler\s+Successfully assigned payments\//,
    );
    expect(result.stdout).toMatch(/Normal\s+Started\s+\S+\s+kubelet\s+Started container api/);
  });

  it('describes a deployment with its replica set', async () => {
    const result = await admin.run(['describe', 'deployment', 'frontend', '-n', 'web']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /^Replicas:\s+2 desired \| 2 updated \| 2 total \| 2 available \| 0 unavailable$/m,
    );
    expect(result.stdout).toMatch(/^NewReplicaSet:\s+frontend-[a-z0-9]+ \(2\/2 replicas created\)$/m);
  });

  it('pages through a list with --chunk-size and filters by label and field', async () => {
    const chunked = await admin.run(['get', 'pods', '-A', '--chunk-size=1', '-o', 'name']);
    expect(chunked.stdout.trim().split('\n')).toHaveLength(3);
    const labelled = await admin.run(['get', 'pods', '-A', '-l', 'app=frontend', '-o', 'name']);
    expect(labelled.stdout.trim().split('\n')).toHaveLength(2);
    const pods = await admin.run(['get', 'pods', '-n', 'web', '-o', 'name']);
    const name = (pods.stdout.split('\n')[0] ?? '').replace('pod/', '');
    const byName = await admin.run([
      'get',
      'pods',
      '-n',
      'web',
      '--field-selector',
      `metadata.name=${name}`,
      '-o',
      'name',
    ]);
    expect(byName.stdout.trim()).toBe(`pod/${name}`);
  });

  it('prints objects as YAML with server-set metadata', async () => {
    const result = await admin.run(['get', 'configmap', 'frontend-config', '-n', 'web', '-o', 'yaml']);
    expect(result.stdout).toMatch(/FEATURE_FLAGS: checkout-v2/);
    expect(result.stdout).toMatch(/resourceVersion: "\d+"/);
    expect(result.stdout).toMatch(/uid: [0-9a-f-]{36}/);
    expect(result.stdout).toMatch(/creationTimestamp: "\d{4}-\d\d-\d\dT/);
  });

  it('answers a missing object with the real NotFound text', async () => {
    const result = await admin.run(['get', 'pod', 'nope', '-n', 'web']);
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe('Error from server (NotFound): pods "nope" not found');
  });

  it('knows the served resource types and their short names', async () => {
    const result = await admin.run(['api-resources']);
    expect(result.stdout).toMatch(/^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment$/m);
    expect(result.stdout).toMatch(
      /^clusterrolebindings\s+rbac\.authorization\.k8s\.io\/v1\s+false\s+ClusterRoleBinding$/m,
    );
    const version = await admin.run(['version']);
    expect(version.stdout).toMatch(/Server Version: v1\.34\.0/);
  });

  it('rejects an unknown token with 401 so kubectl asks for credentials', async () => {
    const stranger = new KubectlRunner(cluster.sim.kubeconfig({ token: 'not-a-token' }));
    try {
      const result = await stranger.run(['get', 'pods']);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(
        /error: You must be logged in to the server \(the server has asked for the client to provide credentials\)/,
      );
      expect(cluster.sim.requests.some((r) => r.decision === 'unauthenticated' && r.statusCode === 401)).toBe(
        true,
      );
    } finally {
      stranger.dispose();
    }
  });
});
