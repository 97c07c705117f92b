/**
 * 1,000 idle agents on one broker replica: the built broker (PostgreSQL, a private schema) with
 * `--agents` tunnel clients connected from `--processes` child processes and then silent. Reports the
 * broker's RSS and CPU (% of one core over `--seconds`) against the same broker with 0 agents in the
 * same run, for each agent-side keepalive interval in `--keepalive` (the broker pings every 5 s).
 * Bar (issue 11): RSS ≤ 1 GiB, idle CPU < 5% of one core.
 *   npm run build && npx tsx --conditions=source bench/agents-idle/agents-idle.bench.ts \
 *     [--agents 1000] [--processes 4] [--seconds 60] [--keepalive 5,30]
 */
import { type ChildProcess, fork } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { CertificateAuthority } from '@tether/pki';
import { freePort, startNode, type StartedNode } from '@tether/testing';
import { machineCpuMs, processCpuMs } from '../kube-path/process-cpu';
import { fixed, table } from '../tunnel/support';

const { values } = parseArgs({
  options: {
    agents: { type: 'string', default: '1000' },
    processes: { type: 'string', default: '4' },
    seconds: { type: 'string', default: '60' },
    keepalive: { type: 'string', default: '5,30' },
    settle: { type: 'string', default: '10' },
  },
});
const agents = Number(values.agents);
const processes = Number(values.processes);
const windowSeconds = Number(values.seconds);
const settleSeconds = Number(values.settle);
const keepalives = values.keepalive.split(',').map(Number);
const postgresUrl = process.env.TETHER_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const brokerMain = join(__dirname, '..', '..', 'apps', 'broker', 'dist', 'main.js');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Measurement {
  scenario: string;
  agents: number;
  keepalive: string;
  tunnels: number;
  rssMiB: number;
  cpuPercent: number;
  agentCpuPercent: number | undefined;
  machinePercent: number;
}

async function admin(sql: string): Promise<void> {
  const client = new Client({ connectionString: postgresUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

function rssMiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((text) => text.startsWith('VmRSS:'));
  return Number(/(\d+)/.exec(line ?? '')?.[1] ?? 0) / 1024;
}

async function tunnelsOn(metricsUrl: string): Promise<number> {
  const text = await (await fetch(metricsUrl)).text();
  let total = 0;
  for (const match of text.matchAll(/^tether_broker_tunnels_connected\{[^}]*\} (\S+)$/gm))
    total += Number(match[1]);
  return total;
}

async function waitForTunnels(metricsUrl: string, expected: number, what: string): Promise<void> {
  const deadline = Date.now() + 300_000;
  while ((await tunnelsOn(metricsUrl).catch(() => -1)) !== expected) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(500);
  }
}

/** CPU of the broker (and of the agent processes) over the window, as % of one core. */
async function measure(
  broker: StartedNode,
  swarm: ChildProcess[],
  metricsUrl: string,
  scenario: string,
  keepalive: string,
  count: number,
): Promise<Measurement> {
  const pid = broker.child.pid as number;
  const agentPids = swarm.map((child) => child.pid as number);
  const agentCpu = () => agentPids.reduce((sum, agentPid) => sum + processCpuMs(agentPid), 0);
  const started = performance.now();
  const [brokerBefore, agentsBefore, machineBefore] = [processCpuMs(pid), agentCpu(), machineCpuMs()];
  await sleep(windowSeconds * 1000);
  const elapsed = performance.now() - started;
  const [brokerAfter, agentsAfter, machineAfter] = [processCpuMs(pid), agentCpu(), machineCpuMs()];
  return {
    scenario,
    agents: count,
    keepalive,
    tunnels: await tunnelsOn(metricsUrl),
    rssMiB: rssMiB(pid),
    cpuPercent: ((brokerAfter - brokerBefore) / elapsed) * 100,
    agentCpuPercent: count > 0 ? ((agentsAfter - agentsBefore) / elapsed) * 100 : undefined,
    machinePercent: ((machineAfter - machineBefore) / elapsed) * 100,
  };
}

async function startSwarm(
  url: string,
  caFile: string,
  clusters: Array<{ name: string; token: string }>,
  keepaliveMs: number,
): Promise<ChildProcess[]> {
  const perProcess = Math.ceil(agents / processes);
  const children: ChildProcess[] = [];
  for (let p = 0; p < processes; p++) {
    // Process p connects one agent to each cluster: `processes` agent replicas per cluster.
    const mine = clusters.slice(0, Math.min(perProcess, agents - p * perProcess));
    if (mine.length === 0) break;
    const args = {
      url,
      caFile,
      tokens: mine.map((cluster) => cluster.token),
      clusters: mine.map((cluster) => cluster.name),
      keepaliveMs,
    };
    children.push(fork(join(__dirname, 'agent-swarm.ts'), [JSON.stringify(args)], { stdio: 'inherit' }));
  }
  await Promise.all(children.map((child) => once(child, 'message')));
  return children;
}

async function stopSwarm(children: ChildProcess[]): Promise<void> {
  await Promise.all(
    children.map(async (child) => {
      const exited = once(child, 'exit');
      child.send({ command: 'exit' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }),
  );
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tether-agents-idle-'));
  const schema = `tether_bench_${randomBytes(6).toString('hex')}`;
  await admin(`CREATE SCHEMA ${schema}`);
  let broker: StartedNode | undefined;
  try {
    const ca = await CertificateAuthority.create('agents-idle bench CA');
    const leaf = await ca.issueServerCertificate({ commonName: 'localhost', ipAddresses: ['127.0.0.1'] });
    const caFile = join(dir, 'ca.pem');
    writeFileSync(caFile, ca.certPem);
    writeFileSync(join(dir, 'tls.crt'), leaf.certPem);
    writeFileSync(join(dir, 'tls.key'), leaf.keyPem, { mode: 0o600 });
    // One cluster per agent of a process; every process connects one agent to each (agent replicas).
    const clusterCount = Math.ceil(agents / processes);
    const clusters = Array.from({ length: clusterCount }, (_, i) => ({
      name: `bench-${String(i).padStart(4, '0')}`,
      token: randomBytes(24).toString('hex'),
    }));
    const registered = clusters.map((cluster) => ({
      name: cluster.name,
      agentTokenSha256: createHash('sha256').update(cluster.token).digest('hex'),
    }));
    const port = await freePort();
    const metricsPort = await freePort();
    const url = `https://127.0.0.1:${port}`;
    const databaseUrl = new URL(postgresUrl);
    databaseUrl.searchParams.set('options', `-c search_path=${schema}`);
    broker = await startNode(brokerMain, {
      env: {
        TETHER_BROKER_PORT: String(port),
        TETHER_BROKER_TLS_CERT_FILE: join(dir, 'tls.crt'),
        TETHER_BROKER_TLS_KEY_FILE: join(dir, 'tls.key'),
        TETHER_BROKER_PUBLIC_URL: url,
        TETHER_BROKER_CLUSTERS: JSON.stringify(registered),
        TETHER_BROKER_DATABASE_URL: databaseUrl.toString(),
        TETHER_BROKER_METRICS_PORT: String(metricsPort),
      },
      readyPattern: /broker listening/,
      timeoutMs: 60_000,
    });
    const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
    await waitForTunnels(metricsUrl, 0, 'the broker metrics');
    console.error(`broker up (pid ${broker.child.pid}); settling ${settleSeconds} s`);
    await sleep(settleSeconds * 1000);

    const results: Measurement[] = [];
    console.error(`baseline: 0 agents, ${windowSeconds} s`);
    results.push(await measure(broker, [], metricsUrl, 'baseline (0 agents)', '–', 0));
    for (const keepalive of keepalives) {
      console.error(`connecting ${agents} agents (keepalive ${keepalive} s)`);
      const swarm = await startSwarm(`wss://127.0.0.1:${port}/tunnel/v1`, caFile, clusters, keepalive * 1000);
      await waitForTunnels(metricsUrl, agents, `${agents} tunnels`);
      await sleep(settleSeconds * 1000);
      console.error(`measuring ${agents} idle agents, ${windowSeconds} s`);
      results.push(
        await measure(broker, swarm, metricsUrl, `${agents} idle agents`, `${keepalive} s`, agents),
      );
      await stopSwarm(swarm);
      await waitForTunnels(metricsUrl, 0, 'the tunnels to close');
      await sleep(settleSeconds * 1000);
    }
    console.error(`baseline again: 0 agents, ${windowSeconds} s`);
    results.push(await measure(broker, [], metricsUrl, 'baseline after (0 agents)', '–', 0));

    console.log(
      table(
        [
          'scenario',
          'agent keepalive',
          'tunnels',
          'broker RSS (MiB)',
          'broker CPU (% of one core)',
          'agent processes CPU (%)',
          'whole machine busy (%)',
        ],
        results.map((row) => [
          row.scenario,
          row.keepalive,
          row.tunnels,
          fixed(row.rssMiB, 0),
          fixed(row.cpuPercent, 2),
          row.agentCpuPercent === undefined ? '–' : fixed(row.agentCpuPercent, 1),
          fixed(row.machinePercent, 0),
        ]),
      ),
    );
    const worst = results.filter((row) => row.agents > 0);
    const rssOk = worst.every((row) => row.rssMiB <= 1024);
    const cpuOk = worst.every((row) => row.cpuPercent < 5);
    console.log(
      `\nbar: RSS ≤ 1024 MiB ${rssOk ? 'met' : 'MISSED'}; idle CPU < 5% of one core ${cpuOk ? 'met' : 'MISSED'}` +
        ` (${windowSeconds} s windows, ${processes} agent processes, the broker pings every 5 s)`,
    );
  } finally {
    await broker?.stop();
    await admin(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
