import type { KubectlRunner } from '@tether/testing';
import { startDemoCluster, type DemoCluster } from './demo-cluster.js';

const manifest = (image: string, replicas: number, color: string, sidecar: boolean) => `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: shop
  namespace: web
  labels: { app: shop }
spec:
  replicas: ${replicas}
  selector:
    matchLabels: { app: shop }
  template:
    metadata:
      labels: { app: shop }
    spec:
      containers:
        - name: shop
          image: ${image}
          env:
            - { name: COLOR, value: ${color} }
${sidecar ? '        - name: sidecar\n          image: busybox:1.36\n' : ''}---
apiVersion: v1
kind: ConfigMap
metadata:
  name: shop-config
  namespace: web
data:
  color: ${color}
`;

// kubectl apply/delete against the simulator: create, strategic-merge re-apply, cascading delete, errors.
describe('kubectl apply and delete on the simulated cluster', () => {
  let cluster: DemoCluster;
  let admin: KubectlRunner;

  beforeAll(async () => {
    cluster = await startDemoCluster();
    admin = cluster.kubectl('admin-token');
  });
  afterAll(() => cluster.stop());

  it('creates a Deployment and a ConfigMap, and the deployment gets ready pods', async () => {
    const created = await admin.run(['apply', '-f', '-'], { stdin: manifest('nginx:1.27', 2, 'blue', true) });
    expect(created.stderr).toBe('');
    expect(created.stdout).toBe('deployment.apps/shop created\nconfigmap/shop-config created\n');
    const rollout = await admin.run(['rollout', 'status', 'deployment/shop', '-n', 'web', '--timeout=20s']);
    expect(rollout.stdout).toMatch(/deployment "shop" successfully rolled out/);
    const deployment = await admin.run(['get', 'deployment', 'shop', '-n', 'web']);
    expect(deployment.stdout).toMatch(/shop\s+2\/2\s+2\s+2/);
    const pods = await admin.run(['get', 'pods', '-n', 'web', '-l', 'app=shop']);
    expect(pods.stdout.match(/shop-[a-z0-9]+-[a-z0-9]{5}\s+2\/2\s+Running/g)).toHaveLength(2);
    const again = await admin.run(['apply', '-f', '-'], { stdin: manifest('nginx:1.27', 2, 'blue', true) });
    expect(again.stdout).toBe('deployment.apps/shop unchanged\nconfigmap/shop-config unchanged\n');
  });

  it('re-applies a changed file as a strategic merge patch: image, replicas, removed container', async () => {
    const result = await admin.run(['apply', '-f', '-'], {
      stdin: manifest('nginx:1.28', 3, 'green', false),
    });
    expect(result.stdout).toBe('deployment.apps/shop configured\nconfigmap/shop-config configured\n');
    const containers = await admin.run([
      'get',
      'deployment',
      'shop',
      '-n',
      'web',
      '-o',
      'jsonpath={.spec.template.spec.containers[*].name} {.spec.template.spec.containers[0].image} {.spec.template.spec.containers[0].env[0].value}',
    ]);
    expect(containers.stdout).toBe('shop nginx:1.28 green');
    const config = await admin.run([
      'get',
      'configmap',
      'shop-config',
      '-n',
      'web',
      '-o',
      'jsonpath={.data.color}',
    ]);
    expect(config.stdout).toBe('green');
    await admin.run(['rollout', 'status', 'deployment/shop', '-n', 'web', '--timeout=20s']);
    const pods = await admin.run([
      'get',
      'pods',
      '-n',
      'web',
      '-l',
      'app=shop',
      '-o',
      'jsonpath={range .items[*]}{.spec.containers[0].image}{"\\n"}{end}',
    ]);
    expect(pods.stdout.trim().split('\n')).toEqual(['nginx:1.28', 'nginx:1.28', 'nginx:1.28']);
  });

  it('deletes the deployment together with its replica sets and pods', async () => {
    const result = await admin.run(['delete', '-f', '-'], {
      stdin: manifest('nginx:1.28', 3, 'green', false),
    });
    expect(result.stdout).toMatch(/deployment\.apps "shop" deleted/);
    expect(result.stdout).toMatch(/configmap "shop-config" deleted/);
    const left = await admin.run(['get', 'deploy,rs,pods,cm', '-n', 'web', '-l', 'app=shop', '-o', 'name']);
    expect(left.stdout).toBe('');
    const missing = await admin.run(['get', 'configmap', 'shop-config', '-n', 'web']);
    expect(missing.stderr.trim()).toBe('Error from server (NotFound): configmaps "shop-config" not found');
  });

  it('refuses invalid objects with the real 422 text', async () => {
    const badName = await admin.run(['apply', '-f', '-'], {
      stdin: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Bad_Name\n  namespace: web\n',
    });
    expect(badName.code).toBe(1);
    expect(badName.stderr).toMatch(
      /The ConfigMap "Bad_Name" is invalid: metadata\.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of/,
    );
    const noContainers = await admin.run(['apply', '-f', '-'], {
      stdin:
        'apiVersion: v1\nkind: Pod\nmetadata:\n  name: empty\n  namespace: web\nspec:\n  containers: []\n',
    });
    expect(noContainers.stderr).toMatch(/The Pod "empty" is invalid: spec\.containers: Required value/);
  });

  it('refuses a create into a namespace that does not exist', async () => {
    const result = await admin.run(['apply', '-f', '-'], {
      stdin: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: orphan\n  namespace: nowhere\n',
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/namespaces "nowhere" not found/);
  });

  it('deletes a namespace with everything in it', async () => {
    await admin.run(['apply', '-f', '-'], {
      stdin:
        'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: scratch\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: note\n  namespace: scratch\ndata: {a: b}\n',
    });
    const deleted = await admin.run(['delete', 'namespace', 'scratch']);
    expect(deleted.stdout).toBe('namespace "scratch" deleted\n');
    const left = await admin.run(['get', 'configmaps', '-n', 'scratch', '-o', 'name']);
    expect(left.stdout).toBe('');
    expect(cluster.sim.store.list('configmaps', { namespace: 'scratch' })).toEqual([]);
  });

  it('creates namespaces, config, secrets and RBAC with the imperative commands (sent as protobuf)', async () => {
    const steps = [
      ['create', 'namespace', 'team-a'],
      ['create', 'configmap', 'settings', '-n', 'team-a', '--from-literal=mode=fast'],
      ['create', 'secret', 'generic', 'token', '-n', 'team-a', '--from-literal=password=hunter2'],
      ['create', 'role', 'pod-reader', '-n', 'team-a', '--verb=get,list', '--resource=pods'],
      ['create', 'rolebinding', 'carol-reads', '-n', 'team-a', '--role=pod-reader', '--user=carol'],
    ];
    for (const step of steps) expect((await admin.run(step)).code).toBe(0);
    const secret = await admin.run([
      'get',
      'secret',
      'token',
      '-n',
      'team-a',
      '-o',
      'jsonpath={.data.password}',
    ]);
    expect(Buffer.from(secret.stdout, 'base64').toString()).toBe('hunter2');
    expect((await admin.run(['auth', 'can-i', 'list', 'pods', '-n', 'team-a', '--as=carol'])).stdout).toBe(
      'yes\n',
    );
    expect((await admin.run(['auth', 'can-i', 'delete', 'pods', '-n', 'team-a', '--as=carol'])).stdout).toBe(
      'no\n',
    );
  });
});
