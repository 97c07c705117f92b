/**
 * The tunnel wire format (docs/tunnel-protocol.md): every binary WebSocket message carries one or more
 * whole frames, each a 12-byte header and a payload. Pure encode/decode, no I/O.
 */
import { TunnelProtocolError } from './errors.js';
import type { ResetCode } from './errors.js';

export const PROTOCOL_VERSION = 1;
/** Offered in Sec-WebSocket-Protocol; a broker that does not speak it refuses the upgrade. */
export const SUBPROTOCOL = `tether-tunnel.v${PROTOCOL_VERSION}`;
export const FRAME_HEADER_BYTES = 12;
/** Receivers refuse bigger WebSocket messages (close 1009); senders batch frames well below it. */
export const MAX_MESSAGE_BYTES = 1024 * 1024;
export const MIN_FRAME_PAYLOAD = 1024;
export const MAX_FRAME_PAYLOAD = 512 * 1024;
/** Largest window or window increment, as in HTTP/2, so credit sums never overflow. */
export const MAX_WINDOW = 2 ** 31 - 1;
const MAX_RESET_REASON_BYTES = 1024;

export const FrameType = {
  Hello: 1,
  Open: 2,
  Data: 3,
  WindowUpdate: 4,
  Reset: 5,
  GoAway: 6,
} as const;
export type FrameType = (typeof FrameType)[keyof typeof FrameType];

/** DATA only: the sender will send nothing more on this stream (half-close). */
export const FLAG_FIN = 0x01;
/**
 * DATA only: the payload is not in this message; it is the whole of a later message. Lets a sender pass
 * a large payload to the socket without copying it behind a header. Deferred headers end their message,
 * and their payloads follow as the next messages, in header order.
 */
export const FLAG_DEFERRED = 0x02;
const DATA_FLAGS = FLAG_FIN | FLAG_DEFERRED;

/** WebSocket close codes the tunnel uses; 4000-4999 are private-use codes. */
export const CloseCode = {
  Normal: 1000,
  GoingAway: 1001,
  ProtocolError: 1002,
  MessageTooBig: 1009,
  VersionMismatch: 4001,
  HandshakeTimeout: 4002,
} as const;

export interface FrameHeader {
  type: FrameType;
  flags: number;
  streamId: number;
  length: number;
}

export interface Frame {
  type: FrameType;
  flags: number;
  streamId: number;
  payload: Buffer;
}

export interface DecodedMessage {
  /** Complete frames, to act on in order. */
  frames: Frame[];
  /** DATA headers (FLAG_DEFERRED) whose payloads are the next messages, in this order. */
  deferred: FrameHeader[];
}

/** What each side announces in its HELLO: limits that apply to what the *other* side sends it. */
export interface HelloSettings {
  /** Credit the peer has on every new stream before any WINDOW_UPDATE. */
  initialWindow: number;
  /** Largest frame payload this side accepts. */
  maxFramePayload: number;
  /** How many streams the peer may have open towards this side at once. */
  maxConcurrentStreams: number;
}

export interface Hello extends HelloSettings {
  /** Free-form facts for logs, e.g. the cluster name the broker bound the connection to. */
  info: Record<string, unknown>;
}

const frameTypes = new Set<number>(Object.values(FrameType));
const sessionFrameTypes = new Set<number>([FrameType.Hello, FrameType.GoAway]);
const resetCodes: readonly ResetCode[] = ['CANCEL', 'REFUSED', 'STREAM_ERROR', 'DRAIN_TIMEOUT'];

export function writeFrameHeader(
  target: Buffer,
  offset: number,
  type: FrameType,
  flags: number,
  streamId: number,
  length: number,
): void {
  target[offset] = PROTOCOL_VERSION;
  target[offset + 1] = type;
  target[offset + 2] = flags;
  target[offset + 3] = 0;
  target.writeUInt32BE(streamId, offset + 4);
  target.writeUInt32BE(length, offset + 8);
}

export function encodeFrame(type: FrameType, streamId: number, payload: Buffer, flags = 0): Buffer {
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payload.length);
  writeFrameHeader(frame, 0, type, flags, streamId, payload.length);
  payload.copy(frame, FRAME_HEADER_BYTES);
  return frame;
}

/**
 * Splits one WebSocket message into frames and checks everything that does not need session state.
 * Throws TunnelProtocolError; the whole message is rejected, no frame of it is acted on.
 */
export function decodeMessage(message: Buffer, maxFramePayload: number): DecodedMessage {
  const frames: Frame[] = [];
  const deferred: FrameHeader[] = [];
  let offset = 0;
  if (message.length === 0) throw new TunnelProtocolError('empty message');
  while (offset < message.length) {
    if (message.length - offset < FRAME_HEADER_BYTES) {
      throw new TunnelProtocolError(`truncated frame header at byte ${offset}`);
    }
    const version = message[offset];
    if (version !== PROTOCOL_VERSION) {
      throw new TunnelProtocolError(
        `unsupported protocol version ${version} (this side speaks ${PROTOCOL_VERSION})`,
        CloseCode.VersionMismatch,
      );
    }
    const type = message[offset + 1];
    const flags = message[offset + 2];
    const streamId = message.readUInt32BE(offset + 4);
    const length = message.readUInt32BE(offset + 8);
    if (!frameTypes.has(type)) throw new TunnelProtocolError(`unknown frame type ${type}`);
    if (message[offset + 3] !== 0) throw new TunnelProtocolError('reserved header byte is not zero');
    if (flags & ~DATA_FLAGS || (flags !== 0 && type !== FrameType.Data)) {
      throw new TunnelProtocolError(`invalid flags 0x${flags.toString(16)} on frame type ${type}`);
    }
    if (length > maxFramePayload) {
      throw new TunnelProtocolError(
        `frame payload of ${length} bytes exceeds the maximum of ${maxFramePayload}`,
        CloseCode.MessageTooBig,
      );
    }
    if (sessionFrameTypes.has(type) !== (streamId === 0)) {
      throw new TunnelProtocolError(
        streamId === 0 ? `frame type ${type} needs a stream id` : `frame type ${type} must use stream id 0`,
      );
    }
    const start = offset + FRAME_HEADER_BYTES;
    if (flags & FLAG_DEFERRED) {
      deferred.push({ type: type as FrameType, flags, streamId, length });
      offset = start;
      continue;
    }
    if (deferred.length > 0) throw new TunnelProtocolError('a frame follows a deferred DATA header');
    if (length > message.length - start) {
      throw new TunnelProtocolError(`frame payload of ${length} bytes runs past the end of the message`);
    }
    frames.push({
      type: type as FrameType,
      flags,
      streamId,
      payload: message.subarray(start, start + length),
    });
    offset = start + length;
  }
  return { frames, deferred };
}

export function encodeHello(hello: Hello): Buffer {
  const info = Buffer.from(JSON.stringify(hello.info), 'utf8');
  const payload = Buffer.allocUnsafe(12 + info.length);
  payload.writeUInt32BE(hello.initialWindow, 0);
  payload.writeUInt32BE(hello.maxFramePayload, 4);
  payload.writeUInt32BE(hello.maxConcurrentStreams, 8);
  info.copy(payload, 12);
  return encodeFrame(FrameType.Hello, 0, payload);
}

export function decodeHello(payload: Buffer): Hello {
  if (payload.length < 12) throw new TunnelProtocolError('HELLO payload is shorter than 12 bytes');
  const hello: Hello = {
    initialWindow: payload.readUInt32BE(0),
    maxFramePayload: payload.readUInt32BE(4),
    maxConcurrentStreams: payload.readUInt32BE(8),
    info: payload.length > 12 ? parseJsonObject(payload.subarray(12), 'HELLO info') : {},
  };
  if (hello.initialWindow < 1 || hello.initialWindow > MAX_WINDOW) {
    throw new TunnelProtocolError(`HELLO initial window ${hello.initialWindow} is out of range`);
  }
  if (hello.maxFramePayload < MIN_FRAME_PAYLOAD || hello.maxFramePayload > MAX_FRAME_PAYLOAD) {
    throw new TunnelProtocolError(`HELLO max frame payload ${hello.maxFramePayload} is out of range`);
  }
  return hello;
}

export function encodeOpen(streamId: number, head: Buffer): Buffer {
  return encodeFrame(FrameType.Open, streamId, head);
}

export function decodeOpen(payload: Buffer): Record<string, unknown> {
  return parseJsonObject(payload, 'OPEN head');
}

export function encodeWindowUpdate(streamId: number, increment: number): Buffer {
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + 4);
  writeFrameHeader(frame, 0, FrameType.WindowUpdate, 0, streamId, 4);
  frame.writeUInt32BE(increment, FRAME_HEADER_BYTES);
  return frame;
}

export function decodeWindowUpdate(payload: Buffer): number {
  if (payload.length !== 4) throw new TunnelProtocolError('WINDOW_UPDATE payload must be 4 bytes');
  const increment = payload.readUInt32BE(0);
  if (increment < 1 || increment > MAX_WINDOW) {
    throw new TunnelProtocolError(`WINDOW_UPDATE increment ${increment} is out of range`);
  }
  return increment;
}

export function encodeReset(streamId: number, code: ResetCode, reason: string): Buffer {
  const text = truncateUtf8(reason, MAX_RESET_REASON_BYTES);
  const payload = Buffer.allocUnsafe(1 + text.length);
  payload[0] = resetCodes.indexOf(code);
  text.copy(payload, 1);
  return encodeFrame(FrameType.Reset, streamId, payload);
}

export function decodeReset(payload: Buffer): { code: ResetCode; reason: string } {
  if (payload.length < 1) throw new TunnelProtocolError('RESET payload is empty');
  // An unknown code from a newer peer still means "this stream failed".
  return { code: resetCodes[payload[0]] ?? 'STREAM_ERROR', reason: payload.toString('utf8', 1) };
}

export function encodeGoAway(reason: string): Buffer {
  return encodeFrame(FrameType.GoAway, 0, truncateUtf8(reason, MAX_RESET_REASON_BYTES));
}

export function decodeGoAway(payload: Buffer): string {
  return payload.toString('utf8');
}

/** WebSocket close reasons are limited to 123 bytes of UTF-8. */
export function closeReason(reason: string): string {
  return truncateUtf8(reason, 123).toString('utf8');
}

function truncateUtf8(text: string, maxBytes: number): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return bytes;
  // Back off to a character boundary so the peer never sees a broken code point.
  let end = maxBytes;
  while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end);
}

function parseJsonObject(bytes: Buffer, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new TunnelProtocolError(`${what} is not valid JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TunnelProtocolError(`${what} must be a JSON object`);
  }
  return value as Record<string, unknown>;
}
