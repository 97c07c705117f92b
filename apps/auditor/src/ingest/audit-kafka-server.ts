import { type KafkaOptions, ServerKafka } from '@nestjs/microservices';

const maxRemembered = 256;

/**
 * Nest's Kafka server, remembering each pattern's route. Nest works the route out twice per message by
 * trying `JSON.parse` on the topic name, and a topic name such as `tether.audit.v1` is not JSON, so every
 * message threw and caught two SyntaxErrors: about a quarter of the auditor's CPU while ingesting
 * (bench/auditor/profile-ingest.ts). Patterns are the subscribed topics, so the map stays small.
 */
export class AuditKafkaServer extends ServerKafka {
  private readonly routes = new Map<string, string>();

  constructor(options: Required<KafkaOptions>['options']) {
    super(options);
  }

  protected override getRouteFromPattern(pattern: string): string {
    let route = this.routes.get(pattern);
    if (route === undefined) {
      route = super.getRouteFromPattern(pattern);
      if (this.routes.size < maxRemembered) this.routes.set(pattern, route);
    }
    return route;
  }
}
