import { Counter } from 'prom-client';
import { createMetricsRegistry } from './metrics-registry.js';
import { startTelemetryServer, type TelemetryServer } from './telemetry-server.js';

describe('telemetry server', () => {
  let server: TelemetryServer;
  let ready = { ok: false, reason: 'tunnel to the broker is not connected' };

  beforeAll(async () => {
    const registry = createMetricsRegistry({ service: 'agent', version: '1.2.3', processMetrics: false });
    new Counter({ name: 'test_things_total', help: 'things', labelNames: ['kind'], registers: [registry] })
      .labels('red')
      .inc(3);
    server = await startTelemetryServer({
      host: '127.0.0.1',
      port: 0,
      registry,
      probes: { '/healthz': () => ({ ok: true }), '/readyz': () => ready },
    });
  });

  afterAll(() => server.close());

  it('serves Prometheus text with service and version on every series', async () => {
    const res = await fetch(`${server.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(await res.text()).toContain('test_things_total{kind="red",service="agent",version="1.2.3"} 3');
  });

  it('answers a failing probe with 503 and its reason, and 200 once it passes', async () => {
    const down = await fetch(`${server.url}/readyz`);
    expect(down.status).toBe(503);
    expect(await down.json()).toEqual({
      status: 'unavailable',
      reason: 'tunnel to the broker is not connected',
    });
    ready = { ok: true, reason: '' };
    const up = await fetch(`${server.url}/readyz`);
    expect(up.status).toBe(200);
    expect(await up.json()).toEqual({ status: 'ok' });
    expect((await fetch(`${server.url}/healthz?verbose=1`)).status).toBe(200);
  });

  it('serves nothing else and refuses writes', async () => {
    const missing = await fetch(`${server.url}/k8s/dev-east/api`);
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain('/metrics, /healthz, /readyz');
    const post = await fetch(`${server.url}/metrics`, { method: 'POST', body: 'x' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });
});
