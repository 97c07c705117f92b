import { type BeforeApplicationShutdown, Global, Inject, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import { ROOT_LOGGER } from '../broker-core.providers';
import { BrokerDatabase } from '../database/broker-database';
import { ChangeFeed } from './change-feed';

/** The change feed every feature module publishes to and follows (see ChangeFeed). */
@Global()
@Module({
  providers: [
    {
      provide: ChangeFeed,
      useFactory: async (database: BrokerDatabase, logger: Logger) => {
        const feed = new ChangeFeed(database.client, logger);
        await feed.start();
        return feed;
      },
      inject: [BrokerDatabase, ROOT_LOGGER],
    },
  ],
  exports: [ChangeFeed],
})
export class ChangeFeedModule implements BeforeApplicationShutdown {
  constructor(@Inject(ChangeFeed) private readonly feed: ChangeFeed) {}

  // Before the shared database closes (onApplicationShutdown).
  async beforeApplicationShutdown(): Promise<void> {
    await this.feed.stop();
  }
}
