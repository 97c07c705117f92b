import { ServerKafka } from '@nestjs/microservices';
import { vi } from 'vitest';
import { AuditKafkaServer } from './audit-kafka-server';

const options = { client: { brokers: ['127.0.0.1:9'] }, postfixId: '' };

// getRouteFromPattern is protected; the tests call it as Nest does, once per message.
type Routing = { getRouteFromPattern(pattern: string): string };
const routeOf = (server: unknown, pattern: string) => (server as Routing).getRouteFromPattern(pattern);

describe('AuditKafkaServer', () => {
  it('routes every pattern as Nest’s own Kafka server does', () => {
    const ours = new AuditKafkaServer(options);
    const nests = new ServerKafka(options);
    for (const pattern of ['tether.audit.v1', '{"cmd":"sum","role":"math"}', '42', 'true', 'a-b_c'])
      for (let i = 0; i < 2; i++) expect(routeOf(ours, pattern)).toBe(routeOf(nests, pattern));
  });

  it('works a topic’s route out once, not with a thrown SyntaxError on every message', () => {
    const server = new AuditKafkaServer(options);
    routeOf(server, 'tether.audit.v1');
    const parse = vi.spyOn(JSON, 'parse');
    try {
      for (let i = 0; i < 1000; i++) expect(routeOf(server, 'tether.audit.v1')).toBe('tether.audit.v1');
      expect(parse).not.toHaveBeenCalled();
    } finally {
      parse.mockRestore();
    }
  });
});
