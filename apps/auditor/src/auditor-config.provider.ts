import { type AuditorConfig, auditorConfigSchema, envWithPrefix, loadConfig } from '@tether/config';

export const AUDITOR_CONFIG = Symbol('AUDITOR_CONFIG');
export const ROOT_LOGGER = Symbol('ROOT_LOGGER');

export function readAuditorConfig(env: NodeJS.ProcessEnv): AuditorConfig {
  return loadConfig(
    auditorConfigSchema,
    envWithPrefix(env, 'TETHER_AUDITOR_'),
    'auditor configuration (TETHER_AUDITOR_*)',
  );
}
