import type { Provider } from '@nestjs/common';
import type { BrokerConfig } from '@tether/config';
import { openSqlClient } from '@tether/sql';
import type { Logger } from 'pino';
import { ROOT_LOGGER } from '../broker-core.providers';
import { BROKER_CONFIG } from '../broker-config.provider';
import { ActiveGrants } from './active-grants';
import type { AccessRequestStore } from './access-request-store';
import { SqlAccessRequestStore } from './sql-access-request-store';

export const ACCESS_REQUEST_STORE = Symbol('ACCESS_REQUEST_STORE');

/** PostgreSQL when TETHER_BROKER_DATABASE_URL is set, else PGlite in TETHER_BROKER_DATA_DIR (or memory). */
export async function openAccessRequestStore(
  config: BrokerConfig,
  logger: Logger,
): Promise<AccessRequestStore> {
  const { client, kind } = await openSqlClient({
    databaseUrl: config.DATABASE_URL,
    dataDir: config.DATA_DIR,
  });
  const store = new SqlAccessRequestStore(client);
  if (kind === 'postgresql') logger.info('access requests are stored in PostgreSQL');
  else if (kind === 'embedded-memory')
    logger.warn(
      'access requests are kept in memory and lost on restart: set TETHER_BROKER_DATA_DIR or TETHER_BROKER_DATABASE_URL',
    );
  else logger.info({ dataDir: config.DATA_DIR }, 'access requests are stored in the embedded database');
  await store.migrate();
  return store;
}

export const accessRequestStoreProviders: Provider[] = [
  {
    provide: ACCESS_REQUEST_STORE,
    useFactory: openAccessRequestStore,
    inject: [BROKER_CONFIG, ROOT_LOGGER],
  },
  {
    provide: ActiveGrants,
    useFactory: (store: AccessRequestStore) => new ActiveGrants(store),
    inject: [ACCESS_REQUEST_STORE],
  },
];
