import type { Provider } from '@nestjs/common';
import { BrokerDatabase } from '../database/broker-database';
import { SqlEnrollmentStore } from './sql-enrollment-store';

export const ENROLLMENT_STORE = Symbol('ENROLLMENT_STORE');

export const enrollmentStoreProvider: Provider = {
  provide: ENROLLMENT_STORE,
  useFactory: async (database: BrokerDatabase) => {
    const store = new SqlEnrollmentStore(database.client);
    await store.migrate();
    return store;
  },
  inject: [BrokerDatabase],
};
