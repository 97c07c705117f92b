import { z } from 'zod';

const port = z.coerce.number().int().min(0).max(65535);
const commaList = z.string().transform((text) =>
  text
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean),
);

/** Auditor settings from TETHER_AUDITOR_* variables. */
export const auditorConfigSchema = z
  .object({
    HOST: z.string().min(1).default('127.0.0.1'),
    PORT: port.default(8080),
    /** Serve HTTPS with this certificate and key (PEM); plain HTTP when unset (behind a TLS-terminating proxy). */
    TLS_CERT_FILE: z.string().min(1).optional(),
    TLS_KEY_FILE: z.string().min(1).optional(),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
    KAFKA_BROKERS: commaList.pipe(
      z.array(z.string().min(1)).min(1, 'list at least one Kafka broker host:port'),
    ),
    KAFKA_TOPIC: z.string().min(1).default('tether.audit.v1'),
    KAFKA_GROUP_ID: z.string().min(1).default('tether-auditor'),
    KAFKA_CLIENT_ID: z.string().min(1).default('tether-auditor'),
    /** Events written per database batch, and the longest an event waits for its batch. */
    BATCH_SIZE: z.coerce.number().int().min(1).max(5000).default(1000),
    BATCH_MAX_WAIT_MS: z.coerce.number().int().min(1).max(10_000).default(200),
    /** postgres:// URL of the audit store; unset keeps it in an embedded PGlite database in DATA_DIR. */
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
      .optional(),
    /** Schema of the audit tables in PostgreSQL; default the database's search_path. */
    DATABASE_SCHEMA: z
      .string()
      .regex(/^[a-z_][a-z0-9_]*$/, 'must be a plain lower-case SQL identifier')
      .optional(),
    DATA_DIR: z.string().min(1).optional(),
    /** The broker's JWKS (its /.well-known/jwks.json): session tokens are verified with it. */
    BROKER_JWKS_URL: z.url({ protocol: /^https?$/ }),
    /** The broker's issuer (its public URL) that session tokens must name. */
    BROKER_ISSUER: z.url(),
    /** PEM CA that signed the broker's certificate, when it is a private CA. */
    BROKER_CA_FILE: z.string().min(1).optional(),
    READER_GROUPS: commaList.default(['security-auditors']),
    RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(90),
    /** OTLP/HTTP collector base URL (…:4318) for traces; off when unset (see also OTEL_*). */
    OTLP_ENDPOINT: z.url({ protocol: /^https?$/, error: 'must be an http(s):// URL' }).optional(),
  })
  .superRefine((config, ctx) => {
    if ((config.TLS_CERT_FILE === undefined) !== (config.TLS_KEY_FILE === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['TLS_KEY_FILE'],
        message: 'set both TLS_CERT_FILE and TLS_KEY_FILE, or neither',
      });
    }
  });

export type AuditorConfig = z.infer<typeof auditorConfigSchema>;
