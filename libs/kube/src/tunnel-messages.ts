// How one kube request rides a tunnel stream: the broker opens the stream with a KubeRequestHead,
// then sends the request body; the agent answers with a framed KubeResponseHead, then the body.
// After a 101 response both directions carry the upgraded connection's raw bytes.
import type { HeaderLine } from './header-hygiene.js';

export interface KubeRequestHead {
  kind: 'kube-request';
  requestId: string;
  method: string;
  pathAndQuery: string;
  /** Client headers after hygiene; the agent applies hygiene again before adding identity. */
  headers: HeaderLine[];
  /** The broker's signed decision (compact JWS). */
  decision: string;
  /** The client address the broker saw, for X-Forwarded-For. */
  clientAddress: string;
  /** W3C trace context of the broker's tunnel span, when tracing is on; the agent ignores a malformed one. */
  traceparent?: string;
}

/** The broker's public decision keys, pushed to the agent on connect and on every rotation. */
export interface DecisionKeysHead {
  kind: 'decision-keys';
  keys: unknown[];
}

/**
 * The broker replicas an agent should keep a tunnel to, pushed on connect and whenever the set changes.
 * Each replica is dialed at `url` and must present the certificate of the agent's configured broker.
 */
export interface BrokerReplicasHead {
  kind: 'broker-replicas';
  replicas: Array<{ id: string; url: string }>;
}

export type TunnelStreamHead = KubeRequestHead | DecisionKeysHead | BrokerReplicasHead;

export interface KubeResponseHead {
  status: number;
  statusMessage?: string;
  headers: HeaderLine[];
}

const maxResponseHeadBytes = 256 * 1024;

/** 4-byte big-endian length, then the JSON head. */
export function encodeResponseHead(head: KubeResponseHead): Buffer {
  const json = Buffer.from(JSON.stringify(head), 'utf8');
  const frame = Buffer.allocUnsafe(4 + json.length);
  frame.writeUInt32BE(json.length, 0);
  json.copy(frame, 4);
  return frame;
}

export class ResponseHeadError extends Error {
  readonly code = 'RESPONSE_HEAD_INVALID';
}

/**
 * Accumulates the first bytes of a response stream until the head is complete. Returns the head and
 * whatever body bytes arrived in the same chunks, or undefined while more bytes are needed.
 */
export class ResponseHeadReader {
  private buffered: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): { head: KubeResponseHead; rest: Buffer } | undefined {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    if (this.buffered.length < 4) return undefined;
    const length = this.buffered.readUInt32BE(0);
    if (length > maxResponseHeadBytes)
      throw new ResponseHeadError(`response head of ${length} bytes is too large`);
    if (this.buffered.length < 4 + length) return undefined;
    let head: KubeResponseHead;
    try {
      head = JSON.parse(this.buffered.subarray(4, 4 + length).toString('utf8')) as KubeResponseHead;
    } catch {
      throw new ResponseHeadError('response head is not JSON');
    }
    if (
      !Number.isInteger(head.status) ||
      head.status < 100 ||
      head.status > 599 ||
      !Array.isArray(head.headers)
    ) {
      throw new ResponseHeadError('response head lacks a status or headers');
    }
    return { head, rest: this.buffered.subarray(4 + length) };
  }
}
