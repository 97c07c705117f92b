/**
 * What telemetry adds to one kube request at the broker, on one core: the metrics observer (cached
 * cells) next to the same counting through prom-client's labelled children, and the per-request
 * tracing hooks with tracing off and on (in-memory export), against doing nothing.
 *   npx tsx --conditions=source bench/telemetry/request-accounting.bench.ts [requests per row, default 1e6] [rounds, default 5]
 */
import { performance } from 'node:perf_hooks';
import { createMetricsRegistry, installInMemoryTracing } from '@tether/telemetry';
import { Counter, Histogram } from 'prom-client';
import type {
  KubeRequestOutcome,
  KubeRequestSummary,
} from '../../apps/broker/src/kube-proxy/kube-request-observer';
import { traceKubeRequest } from '../../apps/broker/src/kube-proxy/kube-request-trace';
import { BrokerMetrics } from '../../apps/broker/src/telemetry/broker-metrics';
import { MetricsObserver } from '../../apps/broker/src/telemetry/metrics-observer';

const requests = Number(process.argv[2] ?? 1_000_000);
const rounds = Number(process.argv[3] ?? 5);
const clusters = ['dev-east', 'dev-west'];
const verbs = ['get', 'list', 'watch', 'create', 'delete'];
const codes = [200, 200, 200, 404, 403];

function summaryOf(i: number): KubeRequestSummary {
  return {
    requestId: 'c0b1a6f2-1111-4222-8333-944445555666',
    receivedAt: new Date(),
    method: 'GET',
    requestUri: '/api/v1/namespaces/web/configmaps',
    cluster: clusters[i % 2],
    sourceIp: '127.0.0.1',
    upgrade: false,
    attributes: { verb: verbs[i % 5] } as KubeRequestSummary['attributes'],
    access: { allowed: true, rule: 'r', user: 'u', groups: [], extra: {} },
  };
}
const summaries = Array.from({ length: 10 }, (_, i) => summaryOf(i));
const outcomes: KubeRequestOutcome[] = codes.map((status, i) => ({
  status,
  bytesFromClient: 0,
  bytesToClient: 100,
  completedAt: new Date(),
  durationMs: 1 + i,
}));

const served = new Set(clusters);
const observer = new MetricsObserver(
  new BrokerMetrics(createMetricsRegistry({ service: 'bench', processMetrics: false })),
  (cluster) => served.has(cluster),
);
const promRegistry = createMetricsRegistry({ service: 'bench', processMetrics: false });
const promRequests = new Counter({
  name: 'r_total',
  help: 'r',
  labelNames: ['cluster', 'verb', 'code'],
  registers: [promRegistry],
});
const promDuration = new Histogram({
  name: 'd_seconds',
  help: 'd',
  labelNames: ['cluster', 'verb'],
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
  registers: [promRegistry],
});
const promDecisions = new Counter({
  name: 'x_total',
  help: 'x',
  labelNames: ['cluster', 'decision'],
  registers: [promRegistry],
});

const noop = () => 1;
const rows: Record<string, (summary: KubeRequestSummary, outcome: KubeRequestOutcome) => void> = {
  'nothing (baseline)': () => undefined,
  'metrics: MetricsObserver (cached cells)': (summary, outcome) => observer.finished(summary, outcome),
  'metrics: prom-client labelled children': (summary, outcome) => {
    const cluster = summary.cluster !== undefined && served.has(summary.cluster) ? summary.cluster : '';
    const verb = summary.attributes?.verb ?? '';
    promRequests.labels(cluster, verb, String(outcome.status)).inc();
    promDuration.labels(cluster, verb).observe(outcome.durationMs / 1000);
    if (summary.access) promDecisions.labels(cluster, summary.access.allowed ? 'allowed' : 'denied').inc();
  },
  'tracing off: span hooks': (summary) => {
    const spans = traceKubeRequest(summary);
    spans.step('authenticate', noop);
    spans.step('policy decision', noop);
    spans.step('sign decision', noop);
  },
};

function measure(run: (summary: KubeRequestSummary, outcome: KubeRequestOutcome) => void, n: number): number {
  const start = performance.now();
  for (let i = 0; i < n; i++) run(summaries[i % 10], outcomes[i % 5]);
  return ((performance.now() - start) * 1e6) / n;
}

const results: Record<string, number[]> = {};
for (let round = 0; round < rounds; round++) {
  for (const [name, run] of Object.entries(rows)) (results[name] ??= []).push(measure(run, requests));
}
// Tracing on is slower by orders of magnitude; fewer requests, measured after the rest.
const tracing = installInMemoryTracing('bench');
const tracedRun = (summary: KubeRequestSummary, outcome: KubeRequestOutcome) => {
  const spans = traceKubeRequest(summary);
  spans.step('authenticate', noop);
  spans.step('policy decision', noop);
  spans.step('sign decision', noop);
  spans.observer?.finished(summary, outcome);
};
results['tracing on: 5 spans, in-memory export'] = [];
for (let round = 0; round < rounds; round++) {
  results['tracing on: 5 spans, in-memory export'].push(
    measure(tracedRun, Math.max(1, Math.floor(requests / 20))),
  );
  tracing.reset();
}
void tracing.shutdown();

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const base = median(results['nothing (baseline)']);
console.log(`| per request (median of ${rounds} rounds) | ns | added vs baseline |`);
console.log('| --- | --- | --- |');
for (const [name, values] of Object.entries(results)) {
  const ns = median(values);
  console.log(
    `| ${name} | ${ns.toFixed(0)} | ${name.startsWith('nothing') ? '—' : `+${(ns - base).toFixed(0)} ns`} |`,
  );
}
