import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { parse } from 'yaml';
import { runCli } from '../cli-program.js';
import { exitCodes } from '../errors/cli-error.js';
import { FakeBroker } from '../test-support/fake-broker.js';
import { seedSession, sourceLauncher, testContext, type TestContext } from '../test-support/test-context.js';

const kindConfig = `apiVersion: v1
kind: Config
clusters:
- name: kind-kind
  cluster:
    server: https://127.0.0.1:6443
users:
- name: kind-kind
  user:
    token: kind-token
contexts:
- name: kind-kind
  context:
    cluster: kind-kind
    user: kind-kind
current-context: kind-kind
`;

type Named<K extends string> = { name: string } & Record<K, Record<string, unknown>>;
interface Kubeconfig {
  clusters: Named<'cluster'>[];
  users: Named<'user'>[];
  contexts: Named<'context'>[];
  'current-context': string;
}

describe('tether kube login', () => {
  let broker: FakeBroker;
  let ctx: TestContext;

  beforeAll(async () => {
    broker = await FakeBroker.start({
      clusters: [
        { name: 'dev-east', online: true, access: 'all verbs in namespaces web' },
        { name: 'dev-west', online: false, access: 'get, list, watch' },
      ],
    });
  });
  afterAll(() => broker.close());
  beforeEach(() => {
    ctx = testContext();
    seedSession(ctx, broker, 600_000);
  });
  afterEach(() => ctx.cleanup());

  it('with several $KUBECONFIG paths writes into the first existing one, keeps its entries and makes it 0600', async () => {
    const missing = join(ctx.dir, 'missing.yaml');
    const existing = join(ctx.dir, 'kind.yaml');
    writeFileSync(existing, kindConfig, { mode: 0o644 });
    ctx.env.kubeconfig = [missing, existing].join(delimiter);

    expect(await runCli(ctx, ['kube', 'login', '--all'])).toBe(exitCodes.ok);

    expect(existsSync(missing)).toBe(false);
    expect(statSync(existing).mode & 0o777).toBe(0o600);
    const written = parse(readFileSync(existing, 'utf8')) as Kubeconfig;
    const before = parse(kindConfig) as Kubeconfig;
    expect(written.clusters[0]).toEqual(before.clusters[0]);
    expect(written.users[0]).toEqual(before.users[0]);
    expect(written.contexts[0]).toEqual(before.contexts[0]);
    expect(written['current-context']).toBe('kind-kind'); // --all does not switch
    expect(written.contexts.map((c) => c.name)).toEqual(['kind-kind', 'dev-east', 'dev-west']);
    expect(ctx.stdout()).toContain('Context dev-west → ');
    expect(ctx.stdout()).toContain('(agent offline)');
  });

  it('points each context at the broker with the CA embedded and the CLI as exec plugin', async () => {
    const path = join(ctx.dir, 'kubeconfig');
    expect(await runCli(ctx, ['kube', 'login', 'dev-east', '--kubeconfig', path])).toBe(exitCodes.ok);

    const written = parse(readFileSync(path, 'utf8')) as Kubeconfig;
    expect(written['current-context']).toBe('dev-east');
    const context = written.contexts.find((c) => c.name === 'dev-east')?.context ?? {};
    const cluster = written.clusters.find((c) => c.name === context.cluster)?.cluster ?? {};
    const user = written.users.find((u) => u.name === context.user)?.user ?? {};
    expect(cluster.server).toBe(`${broker.url}/k8s/dev-east`);
    expect(Buffer.from(String(cluster['certificate-authority-data']), 'base64').toString()).toBe(
      broker.caPem,
    );
    expect(user.exec).toEqual({
      apiVersion: 'client.authentication.k8s.io/v1',
      command: process.execPath,
      args: [...sourceLauncher.args, 'kube', 'credential', 'dev-east', '--broker', broker.url],
      env: [{ name: 'TETHER_CONFIG_DIR', value: ctx.env.configDir }],
      interactiveMode: 'IfAvailable',
      provideClusterInfo: false,
      installHint: expect.stringContaining('tether kube login'),
    });
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('passes no environment to the plugin when the config folder is the default one', async () => {
    ctx.env.configDirFromEnv = false;
    const path = join(ctx.dir, 'kubeconfig');
    expect(await runCli(ctx, ['kube', 'login', 'dev-west', '--kubeconfig', path])).toBe(exitCodes.ok);
    const written = parse(readFileSync(path, 'utf8')) as Kubeconfig;
    expect(written.users[0]?.user.exec).not.toHaveProperty('env');
  });

  it('names the clusters there are when asked for one that does not exist', async () => {
    const code = await runCli(ctx, ['kube', 'login', 'prod', '--kubeconfig', join(ctx.dir, 'k')]);
    expect(code).toBe(exitCodes.error);
    expect(ctx.stderr()).toContain('has no cluster prod you can see (clusters: dev-east, dev-west)');
  });

  it('wants exactly one of a cluster name or --all', async () => {
    expect(await runCli(ctx, ['kube', 'login'])).toBe(exitCodes.usage);
    expect(await runCli(ctx, ['kube', 'login', 'dev-east', '--all'])).toBe(exitCodes.usage);
  });

  it('leaves a kubeconfig it cannot parse untouched', async () => {
    const path = join(ctx.dir, 'broken');
    writeFileSync(path, 'clusters: [oops');
    expect(await runCli(ctx, ['kube', 'login', '--all', '--kubeconfig', path])).toBe(exitCodes.error);
    expect(readFileSync(path, 'utf8')).toBe('clusters: [oops');
    expect(ctx.stderr()).toContain('is not a valid kubeconfig');
  });
});
