export type SpdyErrorCode =
  | 'SPDY_PROTOCOL_ERROR'
  | 'SPDY_FRAME_TOO_LARGE'
  | 'SPDY_UNSUPPORTED_VERSION'
  | 'SPDY_HEADER_COMPRESSION'
  | 'SPDY_CONNECTION_CLOSED';

/** Anything a peer can send that breaks the SPDY/3.1 framing rules; the connection is closed on it. */
export class SpdyProtocolError extends Error {
  constructor(
    readonly code: SpdyErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'SpdyProtocolError';
  }
}
