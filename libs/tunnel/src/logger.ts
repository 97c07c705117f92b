/** The slice of a pino logger the tunnel uses; pass the app's pino logger (or a child of it). */
export interface TunnelLogger {
  debug(fields: object, message?: string): void;
  info(fields: object, message?: string): void;
  warn(fields: object, message?: string): void;
  error(fields: object, message?: string): void;
}

const ignore = (): void => {};

export const silentLogger: TunnelLogger = { debug: ignore, info: ignore, warn: ignore, error: ignore };
