export type { SqlClient } from './sql-client';
export { PgSqlClient } from './pg-sql-client';
export type { PgSqlClientOptions } from './pg-sql-client';
export { PgliteSqlClient } from './pglite-sql-client';
export { openSqlClient } from './open-sql-client';
export type { SqlLocation, SqlStorageKind } from './open-sql-client';
export { PgNotificationListener } from './pg-notification-listener';
export type { PgListenerOptions } from './pg-notification-listener';
export type { NotificationHandlers, NotificationSubscription } from './sql-notifications';
