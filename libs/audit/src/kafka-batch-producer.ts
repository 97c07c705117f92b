// One kafkajs producer with the audit settings, sending batches of spool records in order. Used by the
// delivery worker thread (kafka-delivery-worker.ts), or in the sink's own thread when asked.
import { CompressionTypes, Kafka, type KafkaConfig, logLevel, Partitioners, type Producer } from 'kafkajs';
import { AUDIT_SCHEMA_VERSION } from './audit-event';
import { decodeSpooledMessage } from './kafka-spool-record';

export const SCHEMA_VERSION_HEADER = 'tether-schema-version';

/** Everything the producer needs; plain data, so it can be handed to a worker thread. */
export interface KafkaBatchProducerSettings {
  brokers: string[];
  clientId: string;
  topic: string;
  compression: 'gzip' | 'none';
  ssl?: KafkaConfig['ssl'];
  sasl?: KafkaConfig['sasl'];
}

export interface KafkajsLogLine {
  /** True for kafkajs errors: a refused connection, a failed request, the first signs of an outage. */
  error: boolean;
  namespace: string;
  message: string;
}

export class KafkaBatchProducer {
  private readonly kafka: Kafka;
  private producer?: Producer;

  constructor(
    private readonly settings: KafkaBatchProducerSettings,
    onLog: (line: KafkajsLogLine) => void,
  ) {
    this.kafka = new Kafka({
      clientId: settings.clientId,
      brokers: settings.brokers,
      ...(settings.ssl !== undefined ? { ssl: settings.ssl } : {}),
      ...(settings.sasl !== undefined ? { sasl: settings.sasl } : {}),
      connectionTimeout: 3_000,
      requestTimeout: 30_000,
      retry: { retries: 5, initialRetryTime: 200, maxRetryTime: 2_000 },
      logLevel: logLevel.WARN,
      logCreator:
        () =>
        ({ namespace, level, log }) =>
          onLog({ error: level === logLevel.ERROR, namespace, message: log.message }),
    });
  }

  /** Sends records (spool framing: key length, key, value) in order; rejects unless Kafka acked all. */
  async send(records: readonly Buffer[]): Promise<void> {
    const producer = await this.connected();
    await producer.send({
      topic: this.settings.topic,
      acks: -1,
      compression: this.settings.compression === 'none' ? CompressionTypes.None : CompressionTypes.GZIP,
      messages: records.map((record) => {
        const { key, value } = decodeSpooledMessage(record);
        return { key, value, headers: { [SCHEMA_VERSION_HEADER]: AUDIT_SCHEMA_VERSION } };
      }),
    });
  }

  /** Drops the producer; the next send starts a fresh one (a new producer id). */
  async reset(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    await producer?.disconnect().catch(() => undefined);
  }

  private async connected(): Promise<Producer> {
    if (this.producer) return this.producer;
    const producer = this.kafka.producer({
      idempotent: true,
      // One request in flight keeps order through retries with idempotence.
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
      // Bounded, so a send during an outage fails and the sink backs off (and can say Kafka is
      // unreachable); the sink then retries the same batch from a fresh producer.
      retry: { retries: 5, initialRetryTime: 200, maxRetryTime: 2_000 },
    });
    // Kept before connecting, so a reset during a long connect still disconnects it.
    this.producer = producer;
    await producer.connect();
    return producer;
  }
}
