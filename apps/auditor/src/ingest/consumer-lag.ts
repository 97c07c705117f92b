import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { AuditorConfig } from '@tether/config';
import { type Admin, Kafka, logLevel } from 'kafkajs';
import type { Logger } from 'pino';
import { AUDITOR_CONFIG, ROOT_LOGGER } from '../auditor-config.provider';
import { kafkaServerOptions } from './kafka-transport-options';
import { partitionLag } from './partition-lag';

// Prometheus gives up on a scrape after 10 s by default: a Kafka that does not answer must not hold it.
const readTimeoutMs = 4_000;

/**
 * The consumer group's lag on the audit topic, read from Kafka at each scrape with two small requests
 * (end offsets, committed offsets). The batcher commits only after the rows are written, so this is
 * what search cannot show yet. It is the whole group's: every auditor replica reports the same number.
 * A read that fails keeps the last value.
 */
@Injectable()
export class ConsumerLag implements OnModuleDestroy {
  private readonly admin: Admin;
  private connection: Promise<void> | undefined;
  private last: number | undefined;

  constructor(
    @Inject(AUDITOR_CONFIG) private readonly config: AuditorConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {
    const log = logger.child({ component: 'consumer-lag' });
    this.admin = new Kafka({
      ...kafkaServerOptions(config).client,
      brokers: config.KAFKA_BROKERS,
      connectionTimeout: 3_000,
      requestTimeout: readTimeoutMs,
      retry: { retries: 1 },
      logLevel: logLevel.WARN,
      logCreator:
        () =>
        ({ namespace, log: { message } }) =>
          log.warn({ namespace }, message),
    }).admin();
  }

  /** Messages not yet stored, over all partitions; undefined until Kafka first answered. */
  async read(): Promise<number | undefined> {
    try {
      this.last = await withTimeout(this.fetch(), readTimeoutMs);
    } catch (error) {
      this.connection = undefined;
      this.logger.warn({ err: (error as Error).message }, 'could not read the consumer lag from Kafka');
    }
    return this.last;
  }

  async onModuleDestroy(): Promise<void> {
    if (this.connection) await this.admin.disconnect();
  }

  private async fetch(): Promise<number> {
    this.connection ??= this.admin.connect();
    await this.connection;
    const { KAFKA_GROUP_ID: groupId, KAFKA_TOPIC: topic } = this.config;
    const [ends, committed] = await Promise.all([
      this.admin.fetchTopicOffsets(topic),
      this.admin.fetchOffsets({ groupId, topics: [topic] }),
    ]);
    return partitionLag(ends, committed.find((entry) => entry.topic === topic)?.partitions ?? []);
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Kafka did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
