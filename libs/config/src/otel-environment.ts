import { z } from 'zod';
import { envWithPrefix, loadConfig } from './load-config.js';

/**
 * The standard OpenTelemetry variables Tether honours (OTEL_*, prefix stripped), validated like every
 * other setting. Exporters other than OTLP are refused rather than silently ignored.
 */
export const otelEnvironmentSchema = z.object({
  SDK_DISABLED: z
    .enum(['true', 'false'])
    .optional()
    .transform((value) => value === 'true'),
  SERVICE_NAME: z.string().min(1).optional(),
  TRACES_EXPORTER: z
    .enum(['otlp', 'none'], { error: 'Tether exports traces over OTLP only: use otlp or none' })
    .optional(),
  EXPORTER_OTLP_ENDPOINT: z.url({ protocol: /^https?$/, error: 'must be an http(s):// URL' }).optional(),
  EXPORTER_OTLP_TRACES_ENDPOINT: z
    .url({ protocol: /^https?$/, error: 'must be an http(s):// URL' })
    .optional(),
});

export type OtelEnvironmentConfig = z.infer<typeof otelEnvironmentSchema>;

/** The OTEL_* variables of an environment, validated; the apps' mains call this once. */
export function readOtelEnvironment(env: NodeJS.ProcessEnv): OtelEnvironmentConfig {
  return loadConfig(otelEnvironmentSchema, envWithPrefix(env, 'OTEL_'), 'OpenTelemetry settings (OTEL_*)');
}
