export { createLogger, loggerOptions, redactedPaths } from './create-logger.js';
export type { LoggerSettings } from './create-logger.js';
