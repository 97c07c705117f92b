import { BeforeApplicationShutdown, Inject, Injectable } from '@nestjs/common';
import { AuditStore } from '@tether/audit';
import type { AuditorConfig } from '@tether/config';
import type { Consumer } from 'kafkajs';
import type { Logger } from 'pino';
import { AUDITOR_CONFIG, ROOT_LOGGER } from '../auditor-config.provider';
import { type ConsumedMessage, IngestBatcher } from './ingest-batcher';

/** Holds the batcher and commits through the consumer that delivered the messages. */
@Injectable()
export class IngestService implements BeforeApplicationShutdown {
  readonly batcher: IngestBatcher;
  private consumer: Consumer | undefined;

  constructor(
    store: AuditStore,
    @Inject(AUDITOR_CONFIG) config: AuditorConfig,
    @Inject(ROOT_LOGGER) logger: Logger,
  ) {
    this.batcher = new IngestBatcher(
      store,
      async (offsets) => {
        if (this.consumer) await this.consumer.commitOffsets(offsets);
      },
      {
        batchSize: config.BATCH_SIZE,
        maxWaitMs: config.BATCH_MAX_WAIT_MS,
        maxBuffered: config.BATCH_SIZE * 4,
      },
      logger,
    );
  }

  add(message: ConsumedMessage, consumer: Consumer): Promise<void> {
    this.consumer = consumer;
    return this.batcher.add(message);
  }

  // Before Nest disconnects the consumer: store what is buffered and commit while the consumer can.
  async beforeApplicationShutdown(): Promise<void> {
    await this.batcher.close();
  }
}
