import { z } from 'zod';

const port = z.coerce.number().int().min(0).max(65535);

/** A JSON document in an environment variable, validated by `schema`. */
function jsonOf<T extends z.ZodType>(schema: T) {
  return z
    .string()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'is not valid JSON' });
        return z.NEVER;
      }
    })
    .pipe(schema);
}

const commaList = z.string().transform((text) =>
  text
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean),
);

export const registeredClusterSchema = z.object({
  name: z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'cluster names are DNS labels'),
  /** hex SHA-256 of the agent's bearer credential; the broker never stores the credential itself. */
  agentTokenSha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be a hex SHA-256'),
  labels: z.record(z.string(), z.string()).default({}),
});
export type RegisteredCluster = z.infer<typeof registeredClusterSchema>;

/** Broker settings from TETHER_BROKER_* variables. Grows with each feature that needs a setting. */
export const brokerConfigSchema = z
  .object({
    HOST: z.string().min(1).default('127.0.0.1'),
    PORT: port.default(8443),
    TLS_CERT_FILE: z.string().min(1, 'path to the broker TLS certificate (PEM) is required'),
    TLS_KEY_FILE: z.string().min(1, 'path to the broker TLS private key (PEM) is required'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
    /** Public URL of the broker: the issuer of its session tokens. */
    PUBLIC_URL: z.url().optional(),
    /** Ed25519 private key (PKCS#8 PEM) that signs session tokens; generated per process when unset. */
    SESSION_KEY_FILE: z.string().min(1).optional(),
    /** Ed25519 private key (PKCS#8 PEM) that signs decisions; generated per process when unset. */
    DECISION_KEY_FILE: z.string().min(1).optional(),
    DECISION_LIFETIME_SECONDS: z.coerce.number().int().min(1).max(60).default(10),
    CLUSTERS: jsonOf(z.array(registeredClusterSchema)).default([]),
    /** The company's OpenID Connect provider; sign-in is off when unset. */
    OIDC_ISSUER: z.url().optional(),
    OIDC_CLIENT_ID: z.string().min(1).optional(),
    OIDC_CLIENT_SECRET: z.string().min(1).optional(),
    OIDC_SCOPES: z.string().min(1).default('openid email profile groups offline_access'),
    OIDC_USERNAME_CLAIM: z.string().min(1).default('email'),
    OIDC_GROUPS_CLAIM: z.string().min(1).default('groups'),
    /** Prepended to every IdP group, e.g. `oidc:`; policies then name `oidc:developers`. */
    OIDC_GROUPS_PREFIX: z.string().default(''),
    /** JSON object renaming IdP groups before the prefix, e.g. {"8c1f…-object-id":"platform-admins"}. */
    OIDC_GROUPS_MAP: jsonOf(z.record(z.string().min(1), z.string().min(1))).default({}),
    /** Comma-separated; when set, only people with an email in these domains may sign in. */
    OIDC_ALLOWED_EMAIL_DOMAINS: z
      .string()
      .default('')
      .transform((text) =>
        text
          .split(',')
          .map((d) => d.trim().toLowerCase())
          .filter(Boolean),
      ),
    ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(30).max(3600).default(600),
    REFRESH_TOKEN_TTL_SECONDS: z.coerce
      .number()
      .int()
      .min(300)
      .max(7 * 24 * 3600)
      .default(12 * 3600),
    /** Development only: lets the CLI's --dev-user complete the dev IdP's login page. */
    DEV_MODE: z
      .enum(['true', 'false'])
      .default('false')
      .transform((value) => value === 'true'),
    /** The access policy (YAML, see docs/policy.md), reloaded when it changes; unset denies everything. */
    POLICY_FILE: z.string().min(1).optional(),
    /** PostgreSQL for access requests (postgres://...); unset keeps them in an embedded PGlite database. */
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
      .optional(),
    /** Folder of the embedded PGlite database when DATABASE_URL is unset; unset keeps it in memory. */
    DATA_DIR: z.string().min(1).optional(),
    /** Comma-separated groups (as the broker sees them, after prefix and map) that may enroll clusters. */
    ADMIN_GROUPS: z
      .string()
      .default('platform-admins')
      .transform((text) =>
        text
          .split(',')
          .map((g) => g.trim())
          .filter(Boolean),
      )
      .pipe(z.array(z.string()).min(1, 'name at least one admin group')),
    /** How long a join token from `tether cluster add|rotate` may wait for its agent. */
    JOIN_TOKEN_TTL_SECONDS: z.coerce
      .number()
      .int()
      .min(60)
      .max(7 * 24 * 3600)
      .default(3600),
    /** Lifetime of an agent's credential; the agent rotates it at about two thirds of this. */
    AGENT_CREDENTIAL_TTL_SECONDS: z.coerce
      .number()
      .int()
      .min(30)
      .max(365 * 24 * 3600)
      .default(30 * 24 * 3600),
    /** Plain-HTTP listener for Prometheus (`/metrics`), apart from the TLS port; default HOST. */
    METRICS_HOST: z.string().min(1).optional(),
    /** 0: any free port. */
    METRICS_PORT: port.default(9090),
    /** OTLP/HTTP collector base URL (…:4318) for traces; off when unset (see also OTEL_*). */
    OTLP_ENDPOINT: z.url({ protocol: /^https?$/, error: 'must be an http(s):// URL' }).optional(),
    /** Comma-separated host:port of Kafka for audit events; unset writes them to the embedded store. */
    KAFKA_BROKERS: commaList.optional(),
    KAFKA_TOPIC: z.string().min(1).default('tether.audit.v1'),
    KAFKA_CLIENT_ID: z.string().min(1).default('tether-broker'),
    /** Folder of the durable audit spool in front of Kafka; default DATA_DIR/audit-spool, required without it. */
    AUDIT_SPOOL_DIR: z.string().min(1).optional(),
    AUDIT_SPOOL_MAX_BYTES: z.coerce
      .number()
      .int()
      .min(1024 * 1024)
      .default(1024 * 1024 * 1024),
    /** fail-closed: refuse new requests while audit events cannot be kept; fail-open: serve and count drops. */
    AUDIT_SPOOL_FULL_POLICY: z.enum(['fail-closed', 'fail-open']).default('fail-closed'),
    /**
     * Where agents dial this replica directly (each agent keeps a tunnel to every replica), e.g.
     * https://<pod IP>:8443; its certificate must still carry PUBLIC_URL's name. Default PUBLIC_URL.
     */
    ADVERTISE_URL: z.url({ protocol: /^https$/, error: 'must be an https:// URL' }).optional(),
    /** How often this replica renews its row in the replica registry; rows silent for 3 times this expire. */
    REPLICA_HEARTBEAT_SECONDS: z.coerce.number().int().min(1).max(60).default(5),
    /**
     * After start, how long /readyz may say 'warming-up' while agents connected to the other replicas
     * dial this one; ready sooner once every one of them has.
     */
    STARTUP_READINESS_TIMEOUT_SECONDS: z.coerce.number().int().min(0).max(600).default(30),
    /**
     * On SIGTERM, how long /readyz says 'draining' while this replica still serves, so the load balancer
     * stops sending to it before it stops accepting (a Kubernetes readiness probe's period or more).
     */
    SHUTDOWN_READINESS_DELAY_SECONDS: z.coerce.number().int().min(0).max(300).default(0),
    /** Then how long in-flight requests and streams (watch, exec, logs -f) may take to finish. */
    SHUTDOWN_DEADLINE_SECONDS: z.coerce.number().int().min(0).max(3600).default(10),
    /** Names this replica in audit events; default the host name. */
    INSTANCE: z.string().min(1).optional(),
    /** Where `tether audit` finds the auditor's API (production); unset: the broker serves it itself. */
    AUDITOR_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s):// URL' }).optional(),
    /** Comma-separated groups that may read the audit log the broker serves (embedded stack). */
    AUDIT_READER_GROUPS: commaList.default(['security-auditors']),
  })
  .superRefine((config, ctx) => {
    if (config.OIDC_ISSUER && !config.OIDC_CLIENT_ID) {
      ctx.addIssue({ code: 'custom', path: ['OIDC_CLIENT_ID'], message: 'required when OIDC_ISSUER is set' });
    }
    if (
      config.KAFKA_BROKERS &&
      config.KAFKA_BROKERS.length > 0 &&
      !config.AUDIT_SPOOL_DIR &&
      !config.DATA_DIR
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['AUDIT_SPOOL_DIR'],
        message: 'required with KAFKA_BROKERS (or set DATA_DIR): audit events wait there while Kafka is down',
      });
    }
  });

export type BrokerConfig = z.infer<typeof brokerConfigSchema>;
