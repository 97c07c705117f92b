import type { Provider } from '@nestjs/common';
import { ChangeFeed } from '../change-feed/change-feed';
import { BrokerDatabase } from '../database/broker-database';
import { ActiveGrants } from './active-grants';
import type { AccessRequestStore } from './access-request-store';
import { SqlAccessRequestStore } from './sql-access-request-store';

export const ACCESS_REQUEST_STORE = Symbol('ACCESS_REQUEST_STORE');

/** Access requests in the broker's shared database (see BrokerDatabase). */
export async function openAccessRequestStore(database: BrokerDatabase): Promise<AccessRequestStore> {
  const store = new SqlAccessRequestStore(database.client);
  await store.migrate();
  return store;
}

export const accessRequestStoreProviders: Provider[] = [
  {
    provide: ACCESS_REQUEST_STORE,
    useFactory: openAccessRequestStore,
    inject: [BrokerDatabase],
  },
  {
    provide: ActiveGrants,
    // Whichever replica approves, denies, revokes or expires a grant, every replica drops its cache entry.
    useFactory: (store: AccessRequestStore, feed: ChangeFeed) => {
      const grants = new ActiveGrants(store);
      feed.on('access-changed', ({ requester }) => grants.forget(requester));
      feed.onResync(() => grants.forgetAll());
      return grants;
    },
    inject: [ACCESS_REQUEST_STORE, ChangeFeed],
  },
];
