import { Controller, type Type } from '@nestjs/common';
import { Ctx, EventPattern, KafkaContext, Payload } from '@nestjs/microservices';
import { IngestService } from './ingest.service';

/** The Kafka handler for the configured topic (a decorator needs the name when the class is made). */
export function ingestControllerFor(topic: string): Type<unknown> {
  @Controller()
  class IngestController {
    constructor(private readonly ingest: IngestService) {}

    // Returns at once unless the batcher is full: awaiting each message's database write here would
    // hold its partition to one write at a time.
    @EventPattern<string>(topic)
    async onAuditEvent(@Payload() value: unknown, @Ctx() context: KafkaContext): Promise<void> {
      const message = context.getMessage();
      await this.ingest.add(
        { topic: context.getTopic(), partition: context.getPartition(), offset: message.offset, value },
        context.getConsumer(),
      );
    }
  }
  return IngestController;
}
