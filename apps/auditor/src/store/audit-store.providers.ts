import type { Provider } from '@nestjs/common';
import { AuditLogApi, AuditSearch, AuditStore } from '@tether/audit';
import type { AuditorConfig } from '@tether/config';
import { PgSqlClient, PgliteSqlClient, type SqlClient } from '@tether/sql';
import type { Logger } from 'pino';
import { AUDITOR_CONFIG, ROOT_LOGGER } from '../auditor-config.provider';

export const AUDIT_SQL = Symbol('AUDIT_SQL');
export const AUDIT_LOG_API = Symbol('AUDIT_LOG_API');

async function openSql(config: AuditorConfig, logger: Logger): Promise<SqlClient> {
  if (config.DATABASE_URL !== undefined) {
    logger.info(
      { schema: config.DATABASE_SCHEMA ?? '(search_path)' },
      'audit events are stored in PostgreSQL',
    );
    return new PgSqlClient({
      connectionString: config.DATABASE_URL,
      maxConnections: 10,
      ...(config.DATABASE_SCHEMA ? { schema: config.DATABASE_SCHEMA } : {}),
    });
  }
  if (config.DATA_DIR === undefined)
    logger.warn('audit events are kept in memory and lost on restart: set TETHER_AUDITOR_DATABASE_URL');
  return PgliteSqlClient.open(config.DATA_DIR);
}

export const auditStoreProviders: Provider[] = [
  { provide: AUDIT_SQL, useFactory: openSql, inject: [AUDITOR_CONFIG, ROOT_LOGGER] },
  {
    provide: AuditStore,
    useFactory: async (sql: SqlClient) => {
      const store = new AuditStore(sql);
      await store.migrate();
      return store;
    },
    inject: [AUDIT_SQL],
  },
  { provide: AuditSearch, useFactory: (store: AuditStore) => new AuditSearch(store), inject: [AuditStore] },
  {
    provide: AUDIT_LOG_API,
    useFactory: (search: AuditSearch, store: AuditStore, config: AuditorConfig, logger: Logger) =>
      new AuditLogApi({
        search,
        readerGroups: config.READER_GROUPS,
        record: (event) =>
          void store
            .insertBatch([event])
            .catch((error: unknown) =>
              logger.error({ err: error, user: event.user.username }, 'could not record an audit-log read'),
            ),
        onTailError: (error) => logger.warn({ err: error }, 'audit tail ended with an error'),
      }),
    inject: [AuditSearch, AuditStore, AUDITOR_CONFIG, ROOT_LOGGER],
  },
];
