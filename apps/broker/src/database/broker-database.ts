import type { OnApplicationShutdown, Provider } from '@nestjs/common';
import type { BrokerConfig } from '@tether/config';
import { openSqlClient, type SqlClient, type SqlStorageKind } from '@tether/sql';
import type { Logger } from 'pino';
import { ROOT_LOGGER } from '../broker-core.providers';
import { BROKER_CONFIG } from '../broker-config.provider';

/**
 * The broker's one database connection, shared by every store (access requests, enrollment): PostgreSQL
 * when TETHER_BROKER_DATABASE_URL is set, else PGlite in TETHER_BROKER_DATA_DIR (or memory). Closed
 * after every module has stopped using it.
 */
export class BrokerDatabase implements OnApplicationShutdown {
  constructor(
    readonly client: SqlClient,
    readonly kind: SqlStorageKind,
  ) {}

  static async open(config: BrokerConfig, logger: Logger): Promise<BrokerDatabase> {
    const { client, kind } = await openSqlClient({
      databaseUrl: config.DATABASE_URL,
      dataDir: config.DATA_DIR,
    });
    if (kind === 'postgresql')
      logger.info('broker state (access requests, clusters) is stored in PostgreSQL');
    else if (kind === 'embedded-memory')
      logger.warn(
        'broker state (access requests, enrolled clusters) is kept in memory and lost on restart: set TETHER_BROKER_DATA_DIR or TETHER_BROKER_DATABASE_URL',
      );
    else logger.info({ dataDir: config.DATA_DIR }, 'broker state is stored in the embedded database');
    return new BrokerDatabase(client, kind);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.client.close();
  }
}

export const brokerDatabaseProvider: Provider = {
  provide: BrokerDatabase,
  useFactory: (config: BrokerConfig, logger: Logger) => BrokerDatabase.open(config, logger),
  inject: [BROKER_CONFIG, ROOT_LOGGER],
};
