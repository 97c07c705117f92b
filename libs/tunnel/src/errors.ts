/** Typed tunnel errors: callers branch on `code`, never on message text. */

export type TunnelErrorCode =
  | 'TUNNEL_CLOSED'
  | 'TUNNEL_DRAINING'
  | 'TUNNEL_UNAVAILABLE'
  | 'TUNNEL_PROTOCOL_ERROR'
  | 'TUNNEL_REJECTED'
  | 'TUNNEL_UNAUTHORIZED'
  | 'STREAM_RESET'
  | 'STREAM_HEAD_TOO_LARGE';

export abstract class TunnelError extends Error {
  abstract readonly code: TunnelErrorCode;
}

function describeCluster(clusterName: string | undefined): string {
  return clusterName ? `tunnel to cluster "${clusterName}"` : 'tunnel';
}

/** The WebSocket under a session went away; every stream that was still open fails with this. */
export class TunnelClosedError extends TunnelError {
  readonly code = 'TUNNEL_CLOSED' as const;

  constructor(
    readonly reason: string,
    readonly clusterName?: string,
    /** WebSocket close code, when the peer or this side sent one. */
    readonly closeCode?: number,
  ) {
    super(`${describeCluster(clusterName)} closed: ${reason}`);
    this.name = 'TunnelClosedError';
  }
}

/** This side or the peer is shutting down: no new streams, in-flight ones may finish. */
export class TunnelDrainingError extends TunnelError {
  readonly code = 'TUNNEL_DRAINING' as const;

  constructor(
    readonly reason: string,
    readonly clusterName?: string,
  ) {
    super(`${describeCluster(clusterName)} is draining: ${reason}`);
    this.name = 'TunnelDrainingError';
  }
}

/** No agent of this cluster is connected (or every one is draining). */
export class TunnelUnavailableError extends TunnelError {
  readonly code = 'TUNNEL_UNAVAILABLE' as const;

  constructor(readonly clusterName: string) {
    super(`no agent of cluster "${clusterName}" is connected`);
    this.name = 'TunnelUnavailableError';
  }
}

/** The peer broke the wire protocol; the session is closed with `closeCode` and this message as reason. */
export class TunnelProtocolError extends TunnelError {
  readonly code = 'TUNNEL_PROTOCOL_ERROR' as const;

  constructor(
    message: string,
    readonly closeCode: number = 1002,
  ) {
    super(message);
    this.name = 'TunnelProtocolError';
  }
}

/** Thrown by an `authenticate` function to refuse an agent with a chosen status (401 or 403) and reason. */
export class TunnelAuthError extends TunnelError {
  readonly code = 'TUNNEL_UNAUTHORIZED' as const;

  constructor(
    message: string,
    readonly status: 401 | 403 = 401,
  ) {
    super(message);
    this.name = 'TunnelAuthError';
  }
}

/** The broker answered the agent's WebSocket upgrade with an HTTP error instead of switching protocols. */
export class TunnelRejectedError extends TunnelError {
  readonly code = 'TUNNEL_REJECTED' as const;

  constructor(
    readonly status: number,
    readonly reason: string,
  ) {
    super(`broker refused the tunnel with HTTP ${status}: ${reason}`);
    this.name = 'TunnelRejectedError';
  }
}

/**
 * Why a stream was reset. REFUSED guarantees the peer did not act on the stream, so it is safe to retry
 * elsewhere; the others may have had effects.
 */
export type ResetCode = 'CANCEL' | 'REFUSED' | 'STREAM_ERROR' | 'DRAIN_TIMEOUT';

/** A stream was reset (by the peer, or locally with `reset()`); `reason` is the text the resetting side gave. */
export class TunnelStreamResetError extends TunnelError {
  readonly code = 'STREAM_RESET' as const;

  constructor(
    readonly resetCode: ResetCode,
    readonly reason: string,
    readonly remote: boolean,
  ) {
    super(`stream reset by ${remote ? 'peer' : 'this side'} (${resetCode}): ${reason}`);
    this.name = 'TunnelStreamResetError';
  }
}

/** The stream head does not fit in one OPEN frame of the peer's maximum frame size. */
export class TunnelStreamHeadTooLargeError extends TunnelError {
  readonly code = 'STREAM_HEAD_TOO_LARGE' as const;

  constructor(
    readonly bytes: number,
    readonly limit: number,
  ) {
    super(`stream head is ${bytes} bytes, the peer accepts at most ${limit}`);
    this.name = 'TunnelStreamHeadTooLargeError';
  }
}
