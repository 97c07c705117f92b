import type { z } from 'zod';
import { ConfigError } from './config-error.js';

/**
 * Validates raw settings against an app's schema. The only place that turns strings from the
 * environment into typed config; apps call it once in main and pass the result on.
 */
export function loadConfig<Schema extends z.ZodType>(
  schema: Schema,
  raw: Record<string, unknown>,
  source = 'configuration',
): z.infer<Schema> {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const where = issue.path.length > 0 ? issue.path.join('.') : '(root)';
    return `${where}: ${issue.message}`;
  });
  throw new ConfigError(source, problems);
}

/** Picks the environment variables with a prefix, e.g. TETHER_BROKER_PORT → { PORT }. */
export function envWithPrefix(env: NodeJS.ProcessEnv, prefix: string): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (key.startsWith(prefix) && value !== undefined) picked[key.slice(prefix.length)] = value;
  }
  return picked;
}
