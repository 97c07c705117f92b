import { Global, Module } from '@nestjs/common';
import { ENROLLMENT_STORE, enrollmentStoreProvider } from '../enrollment/enrollment-store.provider';
import { BrokerDatabase, brokerDatabaseProvider } from './broker-database';

/** The broker's database and the stores more than one feature module reads. */
@Global()
@Module({
  providers: [brokerDatabaseProvider, enrollmentStoreProvider],
  exports: [BrokerDatabase, ENROLLMENT_STORE],
})
export class DatabaseModule {}
