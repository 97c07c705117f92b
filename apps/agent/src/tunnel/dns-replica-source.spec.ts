import pino from 'pino';
import { DnsReplicaSource } from './dns-replica-source';

const logger = pino({ level: 'silent' });

describe('DnsReplicaSource', () => {
  it('dials every address of the name, on the given port or BROKER_URL’s, with BROKER_URL’s path', async () => {
    const seen: string[][] = [];
    const source = new DnsReplicaSource({
      name: 'localhost:9443',
      defaultPort: '443',
      path: '/tether/',
      intervalMs: 60_000,
      onReplicas: (urls) => seen.push(urls),
      logger,
    });
    await source.refresh();
    expect(seen[0]).toContain('https://127.0.0.1:9443/tether');
    for (const url of seen[0] ?? []) expect(new URL(url).port).toBe('9443');
  });

  it('keeps the known replicas when the name does not resolve', async () => {
    const seen: string[][] = [];
    const source = new DnsReplicaSource({
      name: 'no-such-host.invalid',
      defaultPort: '8443',
      path: '/',
      intervalMs: 60_000,
      onReplicas: (urls) => seen.push(urls),
      logger,
    });
    await source.refresh();
    expect(seen).toEqual([]);
  });
});
