import type { AuditorConfig } from '@tether/config';
import type { CustomStrategy, KafkaOptions } from '@nestjs/microservices';
import { AuditKafkaServer } from './audit-kafka-server';

/** The consumer group reads from the start of the topic and commits only what the batcher stored. */
export function kafkaServerOptions(config: AuditorConfig): Required<KafkaOptions>['options'] {
  return {
    client: { clientId: config.KAFKA_CLIENT_ID, brokers: config.KAFKA_BROKERS },
    consumer: { groupId: config.KAFKA_GROUP_ID },
    // Nest appends "-server" to the ids unless told otherwise; operators name the group themselves.
    postfixId: '',
    subscribe: { fromBeginning: true },
    run: { autoCommit: false },
  };
}

/** Nest's Kafka transport with those options (see AuditKafkaServer for why it is a subclass). */
export function kafkaTransportOptions(config: AuditorConfig): CustomStrategy {
  return { strategy: new AuditKafkaServer(kafkaServerOptions(config)) };
}
