import { waitForOutput, type KubectlRunner } from '@tether/testing';
import { startDemoCluster, type DemoCluster } from './demo-cluster.js';

const configMap = (name: string, value: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: web\ndata:\n  value: "${value}"\n`;

// Watches: a second kubectl's changes reach `kubectl get -w`; resourceVersion semantics on the raw stream.
describe('watching the simulated cluster', () => {
  let cluster: DemoCluster;
  let watcher: KubectlRunner;
  let writer: KubectlRunner;

  beforeAll(async () => {
    cluster = await startDemoCluster({ watchHistoryLimit: 50 });
    watcher = cluster.kubectl('alice-token', 'web');
    writer = cluster.kubectl('admin-token');
  });
  afterAll(() => cluster.stop());

  it('shows a change made by a second kubectl in `get -w`', async () => {
    const watch = watcher.spawn(['get', 'configmaps', '-w', '--output-watch-events']);
    try {
      const header = await waitForOutput(watch, /frontend-config/);
      expect(header).toMatch(/^EVENT\s+NAME\s+DATA\s+AGE$/m);
      // Listen before acting: output that arrives while nobody listens is not kept.
      const added = waitForOutput(watch, /ADDED\s+live\s+1\s+/);
      await writer.run(['apply', '-f', '-'], { stdin: configMap('live', 'one') });
      await added;
      const modified = waitForOutput(watch, /MODIFIED\s+live\s+1\s+/);
      await writer.run(['label', 'configmap', 'live', '-n', 'web', 'stage=two']);
      await modified;
      const deleted = waitForOutput(watch, /DELETED\s+live\s+1\s+/);
      await writer.run(['delete', 'configmap', 'live', '-n', 'web']);
      await deleted;
    } finally {
      watch.kill();
    }
  });

  it('sees a deployment scale up its pods while watching with a label selector', async () => {
    const watch = watcher.spawn(['get', 'pods', '-l', 'app=frontend', '-w', '--output-watch-events']);
    try {
      await waitForOutput(watch, /(ADDED\s+frontend-\S+\s+1\/1\s+Running[\s\S]*){2}/);
      const third = waitForOutput(watch, /ADDED\s+frontend-\S+\s+1\/1\s+Running/);
      const scaled = await writer.run(['scale', 'deployment', 'frontend', '-n', 'web', '--replicas=3']);
      expect(scaled.stdout).toBe('deployment.apps/frontend scaled\n');
      await third;
      const pods = await writer.run(['get', 'pods', '-n', 'web', '-l', 'app=frontend', '-o', 'name']);
      expect(pods.stdout.trim().split('\n')).toHaveLength(3);
    } finally {
      watch.kill();
    }
  });

  it('ends a watch from a too-old resourceVersion with 410 Expired', async () => {
    for (let i = 0; i < 30; i += 1) {
      cluster.sim.store.create({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: `churn-${i}`, namespace: 'web' },
      });
    }
    const result = await writer.run([
      'get',
      '--raw',
      '/api/v1/namespaces/web/configmaps?watch=1&resourceVersion=2',
    ]);
    const event = JSON.parse(result.stdout.trim()) as {
      type: string;
      object: { code: number; reason: string; message: string };
    };
    expect(event.type).toBe('ERROR');
    expect(event.object.code).toBe(410);
    expect(event.object.reason).toBe('Expired');
    expect(event.object.message).toMatch(/^too old resource version: 2 \(\d+\)$/);
  });

  it('resumes from a recent resourceVersion and sends a bookmark when asked', async () => {
    const list = await writer.run(['get', '--raw', '/api/v1/namespaces/web/configmaps']);
    const resourceVersion = (JSON.parse(list.stdout) as { metadata: { resourceVersion: string } }).metadata
      .resourceVersion;
    cluster.sim.store.create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'after-list', namespace: 'web' },
    });
    const resumed = await writer.run([
      'get',
      '--raw',
      `/api/v1/namespaces/web/configmaps?watch=1&resourceVersion=${resourceVersion}&timeoutSeconds=1`,
    ]);
    const names = resumed.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; object: { metadata: { name: string } } });
    expect(names.map((event) => `${event.type} ${event.object.metadata.name}`)).toEqual(['ADDED after-list']);

    const initial = await writer.run([
      'get',
      '--raw',
      '/api/v1/namespaces/web/configmaps?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&timeoutSeconds=1',
    ]);
    const events = initial.stdout
      .trim()
      .split('\n')
      .map(
        (line) =>
          JSON.parse(line) as {
            type: string;
            object: { metadata: { annotations?: Record<string, string> } };
          },
      );
    expect(events.filter((event) => event.type === 'ADDED').length).toBeGreaterThan(30);
    const bookmark = events.find((event) => event.type === 'BOOKMARK');
    expect(bookmark?.object.metadata.annotations).toEqual({ 'k8s.io/initial-events-end': 'true' });
  });
});
