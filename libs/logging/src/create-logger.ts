import pino, { type Logger, type LoggerOptions } from 'pino';

/** Paths pino blanks out wherever they appear, so tokens never reach a log line. */
export const redactedPaths = [
  'req.headers.authorization',
  'req.headers["proxy-authorization"]',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'headers.authorization',
  '*.token',
  '*.accessToken',
  '*.refreshToken',
  '*.idToken',
  '*.password',
  '*.clientSecret',
  '*.joinToken',
  '*.privateKey',
];

export interface LoggerSettings {
  /** Which process writes the line: broker, agent, auditor, cli, simulator. */
  service: string;
  version?: string;
  level?: string;
  /** Pretty lines are for people at a terminal; anything else gets JSON. */
  pretty?: boolean;
  destination?: pino.DestinationStream;
}

export function loggerOptions(settings: LoggerSettings): LoggerOptions {
  return {
    level: settings.level ?? 'info',
    base: { service: settings.service, version: settings.version ?? '0.0.0' },
    redact: { paths: redactedPaths, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
}

export function createLogger(settings: LoggerSettings): Logger {
  const options = loggerOptions(settings);
  if (settings.destination) return pino(options, settings.destination);
  if (settings.pretty) {
    // pino-pretty is optional; a missing module falls back to JSON rather than failing to start.
    try {
      return pino({ ...options, transport: { target: 'pino-pretty', options: { destination: 2 } } });
    } catch {
      return pino(options, pino.destination(2));
    }
  }
  return pino(options, pino.destination(2));
}
