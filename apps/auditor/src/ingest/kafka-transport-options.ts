import type { AuditorConfig } from '@tether/config';
import { type KafkaOptions, Transport } from '@nestjs/microservices';

/** The consumer group reads from the start of the topic and commits only what the batcher stored. */
export function kafkaTransportOptions(config: AuditorConfig): KafkaOptions {
  return {
    transport: Transport.KAFKA,
    options: {
      client: { clientId: config.KAFKA_CLIENT_ID, brokers: config.KAFKA_BROKERS },
      consumer: { groupId: config.KAFKA_GROUP_ID },
      // Nest appends "-server" to the ids unless told otherwise; operators name the group themselves.
      postfixId: '',
      subscribe: { fromBeginning: true },
      run: { autoCommit: false },
    },
  };
}
