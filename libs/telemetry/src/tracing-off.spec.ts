// Its own file, so its process has never installed tracing: require hooks cannot be taken back.
import Module, { createRequire } from 'node:module';
import { installInMemoryTracing, setupTracing } from './tracing.js';

const load = createRequire(__filename);
const wrapped = (fn: unknown) => (fn as { __wrapped?: boolean }).__wrapped === true;

describe('tracing off (no OTLP endpoint)', () => {
  it('installs no require hook and patches neither http, https nor kafkajs', async () => {
    const requireBefore = Module.prototype.require;
    const tracing = setupTracing({ service: 'broker', untracedPaths: ['/k8s/'] });
    const http = load('node:http') as typeof import('node:http');
    const https = load('node:https') as typeof import('node:https');
    const { Kafka } = load('kafkajs') as typeof import('kafkajs');
    expect(tracing.enabled).toBe(false);
    expect(Module.prototype.require).toBe(requireBefore);
    expect(wrapped(http.request)).toBe(false);
    expect(wrapped(https.request)).toBe(false);
    expect(wrapped(http.Server.prototype.emit)).toBe(false);
    expect(wrapped(Kafka.prototype.producer)).toBe(false);
    await tracing.shutdown();

    // The control: the same checks see tracing that is on.
    const on = installInMemoryTracing('broker', { instrument: true });
    try {
      expect(Module.prototype.require).not.toBe(requireBefore);
      expect(wrapped(http.request)).toBe(true);
      expect(wrapped(https.request)).toBe(true);
      expect(wrapped(Kafka.prototype.producer)).toBe(true);
    } finally {
      await on.shutdown();
    }
  });
});
