import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Provider } from '@nestjs/common';
import {
  AuditLogApi,
  AuditSearch,
  type AuditSink,
  AuditStore,
  createKafkaAuditSink,
  StoreAuditSink,
} from '@tether/audit';
import type { BrokerConfig } from '@tether/config';
import type { Logger } from 'pino';
import { ROOT_LOGGER } from '../broker-core.providers';
import { BROKER_CONFIG } from '../broker-config.provider';
import { BrokerDatabase } from '../database/broker-database';
import { BrokerTelemetry } from '../telemetry/broker-telemetry';

export const AUDIT_SINK = Symbol('AUDIT_SINK');
/** The audit log the broker keeps and serves itself: only without Kafka (the embedded stack). */
export const EMBEDDED_AUDIT_STORE = Symbol('EMBEDDED_AUDIT_STORE');
export const EMBEDDED_AUDIT_LOG = Symbol('EMBEDDED_AUDIT_LOG');
export const BROKER_INSTANCE = Symbol('BROKER_INSTANCE');

const kafkaConfigured = (config: BrokerConfig) => (config.KAFKA_BROKERS ?? []).length > 0;

export const auditProviders: Provider[] = [
  {
    provide: BROKER_INSTANCE,
    useFactory: (config: BrokerConfig) => config.INSTANCE ?? hostname(),
    inject: [BROKER_CONFIG],
  },
  {
    provide: EMBEDDED_AUDIT_STORE,
    useFactory: async (config: BrokerConfig, database: BrokerDatabase) => {
      if (kafkaConfigured(config)) return undefined;
      const store = new AuditStore(database.client);
      await store.migrate();
      return store;
    },
    inject: [BROKER_CONFIG, BrokerDatabase],
  },
  {
    provide: AUDIT_SINK,
    useFactory: async (
      config: BrokerConfig,
      store: AuditStore | undefined,
      telemetry: BrokerTelemetry,
      logger: Logger,
    ): Promise<AuditSink> => {
      const sink = store
        ? new StoreAuditSink({ store, logger, fullPolicy: config.AUDIT_SPOOL_FULL_POLICY })
        : await kafkaSink(config, telemetry, logger);
      telemetry.metrics.registerAuditGauges(() => sink.stats());
      return sink;
    },
    inject: [BROKER_CONFIG, EMBEDDED_AUDIT_STORE, BrokerTelemetry, ROOT_LOGGER],
  },
  {
    provide: EMBEDDED_AUDIT_LOG,
    useFactory: (config: BrokerConfig, store: AuditStore | undefined, sink: AuditSink, logger: Logger) =>
      store &&
      new AuditLogApi({
        search: new AuditSearch(store),
        readerGroups: config.AUDIT_READER_GROUPS,
        // Reading the audit log goes on record the same way every other request does.
        record: (event) => sink.publish(event),
        onTailError: (error) => logger.warn({ err: error }, 'audit tail ended with an error'),
      }),
    inject: [BROKER_CONFIG, EMBEDDED_AUDIT_STORE, AUDIT_SINK, ROOT_LOGGER],
  },
];

async function kafkaSink(
  config: BrokerConfig,
  telemetry: BrokerTelemetry,
  logger: Logger,
): Promise<AuditSink> {
  const spoolDir = config.AUDIT_SPOOL_DIR ?? join(config.DATA_DIR as string, 'audit-spool');
  logger.info(
    { brokers: config.KAFKA_BROKERS, topic: config.KAFKA_TOPIC, spoolDir },
    'audit events go to Kafka through a durable spool',
  );
  return createKafkaAuditSink({
    brokers: config.KAFKA_BROKERS as string[],
    clientId: config.KAFKA_CLIENT_ID,
    topic: config.KAFKA_TOPIC,
    spoolDir,
    spoolMaxBytes: config.AUDIT_SPOOL_MAX_BYTES,
    fullPolicy: config.AUDIT_SPOOL_FULL_POLICY,
    logger,
    ...(telemetry.workerTracing ? { workerTracing: telemetry.workerTracing } : {}),
  });
}
