import { z } from 'zod';

const port = z.coerce.number().int().min(0).max(65535);

/** Broker settings from TETHER_BROKER_* variables. Grows with each feature that needs a setting. */
export const brokerConfigSchema = z.object({
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: port.default(8443),
  TLS_CERT_FILE: z.string().min(1, 'path to the broker TLS certificate (PEM) is required'),
  TLS_KEY_FILE: z.string().min(1, 'path to the broker TLS private key (PEM) is required'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
});

export type BrokerConfig = z.infer<typeof brokerConfigSchema>;
