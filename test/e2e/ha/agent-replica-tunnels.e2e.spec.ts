import { request } from 'node:https';
import { KubectlRunner, type ReplicatedStack, startReplicatedStack } from '@tether/testing';

// One agent, several broker replicas on one PostgreSQL schema: the agent keeps a tunnel to each
// replica it learns of through the replica registry, and kubectl works through every one of them.

/** The value of one series in Prometheus text, or undefined when the series is absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^(\w+)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const pairs = Object.fromEntries(
      [...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map(([, key, value]) => [key, value]),
    );
    if (Object.entries(labels).every(([key, value]) => pairs[key] === value)) return Number(match[3]);
  }
  return undefined;
}

async function scrape(url: string): Promise<string> {
  const res = await fetch(url);
  if (res.status !== 200) throw new Error(`${url}: HTTP ${res.status}`);
  return res.text();
}

async function eventually(probe: () => Promise<boolean>, what: string, timeoutMs = 45_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const sorted = (record: Record<string, boolean>) =>
  Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));

function getJson(url: string, caPem: string, token: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    request(url, { ca: caPem, headers: { authorization: `Bearer ${token}` }, agent: false }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve(JSON.parse(body)));
      res.on('error', reject);
    })
      .on('error', reject)
      .end();
  });
}

describe('an agent with a tunnel to every broker replica', () => {
  let stack: ReplicatedStack;
  let token: string;
  const runners: KubectlRunner[] = [];

  /** Tunnels from dev-east on this replica, as the broker counts them. */
  const brokerTunnels = async (metricsUrl: string) =>
    sample(await scrape(metricsUrl), 'tether_broker_tunnels_connected', { cluster: 'dev-east' });
  /** Every tunnel the agent keeps, by replica URL: true when connected. */
  const agentTunnels = async (): Promise<Record<string, boolean>> => {
    const text = await scrape(`${stack.agentHttpUrls['dev-east']}/metrics`);
    return Object.fromEntries(
      [...text.matchAll(/^tether_agent_broker_tunnel_up\{([^}]*)\} (\d)$/gm)].map((match) => [
        /replica="([^"]*)"/.exec(match[1] ?? '')?.[1] ?? '',
        match[2] === '1',
      ]),
    );
  };
  /** The agent keeps a tunnel to these replicas and no other, each up, and each counts one from it. */
  const connectedToExactly = async (brokers: ReplicatedStack['brokers']) => {
    const expected = Object.fromEntries(brokers.map((broker) => [broker.url, true]));
    if (JSON.stringify(sorted(await agentTunnels())) !== JSON.stringify(sorted(expected))) return false;
    for (const broker of brokers) if ((await brokerTunnels(broker.metricsUrl)) !== 1) return false;
    return true;
  };
  const kubectlThrough = async (brokerUrl: string) => {
    const runner = new KubectlRunner(stack.kubeconfig(token, brokerUrl));
    runners.push(runner);
    const before = stack.clusters['dev-east'].requests.length;
    const result = await runner.run(['--context', 'dev-east', 'get', 'pods', '-n', 'web']);
    return { ...result, reachedCluster: stack.clusters['dev-east'].requests.length > before };
  };

  beforeAll(async () => {
    stack = await startReplicatedStack({ brokers: 2, clusters: ['dev-east'] });
    token = await stack.tokenFor('alice', ['platform-admins']);
  });

  afterAll(async () => {
    for (const runner of runners) runner.dispose();
    await stack?.stop();
  });

  it('connects to every replica, not only the one behind the load balancer it started with', async () => {
    await eventually(() => connectedToExactly(stack.brokers), 'one tunnel to each of the 2 replicas');
    const agentMetrics = await scrape(`${stack.agentHttpUrls['dev-east']}/metrics`);
    expect(sample(agentMetrics, 'tether_agent_broker_replicas')).toBe(2);
    expect(sample(agentMetrics, 'tether_agent_tunnel_connected')).toBe(1);
    // The bootstrap tunnel through the load balancer is gone once the replica tunnels are up.
    expect(sample(agentMetrics, 'tether_agent_broker_tunnel_up', { bootstrap: 'true' })).toBeUndefined();
    for (const broker of stack.brokers)
      expect(sample(await scrape(broker.metricsUrl), 'tether_broker_replicas')).toBe(2);
  });

  it('shows the cluster online on every replica', async () => {
    // The cluster was enrolled through one replica; the others learn of it from the database.
    for (const broker of stack.brokers)
      await eventually(async () => {
        const body = (await getJson(`${broker.url}/api/clusters`, stack.brokerCaPem, token)) as {
          clusters: Array<{ name: string; online: boolean }>;
        };
        return body.clusters.find((cluster) => cluster.name === 'dev-east')?.online === true;
      }, `dev-east online on ${broker.url}`);
  });

  it('serves kubectl through each replica directly and through the load balancer', async () => {
    for (const url of [...stack.brokers.map((broker) => broker.url), stack.balancerUrl]) {
      const result = await kubectlThrough(url);
      expect({ url, code: result.code, stderr: result.stderr }).toEqual({ url, code: 0, stderr: '' });
      expect(result.stdout).toMatch(/frontend-\S+\s+1\/1\s+Running/);
      expect(result.reachedCluster).toBe(true);
    }
  });

  it('picks up a replica that joins, and serves kubectl through it', async () => {
    const joined = await stack.addBroker();
    await eventually(() => connectedToExactly(stack.brokers), 'a tunnel to the replica that joined');
    const result = await kubectlThrough(joined.url);
    expect(result.code).toBe(0);
    expect(result.reachedCluster).toBe(true);
  });

  it('drops a replica that stops, and one that is killed once its registry row expires', async () => {
    const [first, second, third] = stack.brokers as [
      ReplicatedStack['brokers'][number],
      ReplicatedStack['brokers'][number],
      ReplicatedStack['brokers'][number],
    ];
    await first.stop();
    await eventually(() => connectedToExactly([second, third]), 'the stopped replica dropped');

    await second.kill(); // no goodbye: its row expires after three missed heartbeats
    await eventually(() => connectedToExactly([third]), 'the killed replica dropped');
    const agentMetrics = await scrape(`${stack.agentHttpUrls['dev-east']}/metrics`);
    expect(sample(agentMetrics, 'tether_agent_broker_replicas')).toBe(1);
    expect(sample(agentMetrics, 'tether_agent_broker_tunnel_up', { replica: second.url })).toBeUndefined();

    const result = await kubectlThrough(stack.balancerUrl);
    expect(result.code).toBe(0);
    expect(result.reachedCluster).toBe(true);
  });

  it('connects again to a replica that comes back', async () => {
    const first = stack.brokers[0] as ReplicatedStack['brokers'][number];
    await first.start();
    const running = stack.brokers.filter((broker) => broker.running);
    await eventually(() => connectedToExactly(running), 'a tunnel to the returned replica');
    const result = await kubectlThrough(first.url);
    expect(result.code).toBe(0);
    expect(result.reachedCluster).toBe(true);
  });
});
