export { ExponentialBackoff } from './backoff.js';
export type { BackoffOptions } from './backoff.js';
export { TunnelClient } from './client.js';
export type { TunnelClientEvents, TunnelClientOptions } from './client.js';
export {
  TunnelAuthError,
  TunnelClosedError,
  TunnelDrainingError,
  TunnelError,
  TunnelProtocolError,
  TunnelRejectedError,
  TunnelStreamHeadTooLargeError,
  TunnelStreamResetError,
  TunnelUnavailableError,
} from './errors.js';
export type { ResetCode, TunnelErrorCode } from './errors.js';
export { CloseCode, MAX_MESSAGE_BYTES, PROTOCOL_VERSION, SUBPROTOCOL } from './frame.js';
export type { TunnelLogger } from './logger.js';
export { TunnelServer } from './server.js';
export type { AgentIdentity, AuthenticateAgent, TunnelServerEvents, TunnelServerOptions } from './server.js';
export { TunnelSession } from './session.js';
export type { SessionOptions, SessionState, TunnelSessionEvents } from './session.js';
export { defaultSessionSettings } from './session-settings.js';
export type { SessionSettings } from './session-settings.js';
export { TunnelStream } from './stream.js';
export type { StreamHead } from './stream.js';
