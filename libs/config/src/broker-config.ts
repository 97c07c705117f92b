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

export const registeredClusterSchema = z.object({
  name: z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'cluster names are DNS labels'),
  /** hex SHA-256 of the agent's bearer credential; the broker never stores the credential itself. */
  agentTokenSha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be a hex SHA-256'),
  labels: z.record(z.string(), z.string()).default({}),
});
export type RegisteredCluster = z.infer<typeof registeredClusterSchema>;

export const accessRuleSchema = z.object({
  name: z.string().min(1),
  groups: z.array(z.string().min(1)).min(1),
  clusters: z.array(z.string().min(1)).min(1),
  verbs: z.array(z.string().min(1)).min(1),
  namespaces: z.array(z.string().min(1)).optional(),
  /** Groups to impersonate on the cluster; by default the person's own groups. */
  impersonateGroups: z.array(z.string().min(1)).optional(),
});
export type AccessRule = z.infer<typeof accessRuleSchema>;

/** Broker settings from TETHER_BROKER_* variables. Grows with each feature that needs a setting. */
export const brokerConfigSchema = z.object({
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
  ACCESS_RULES: jsonOf(z.array(accessRuleSchema)).default([]),
});

export type BrokerConfig = z.infer<typeof brokerConfigSchema>;
