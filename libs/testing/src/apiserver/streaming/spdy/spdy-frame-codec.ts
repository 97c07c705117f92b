import { ControlType, SPDY_VERSION, type SettingsEntry, type SpdyFrame } from './spdy-frame.js';
import { SpdyProtocolError } from './spdy-protocol-error.js';

const FRAME_HEADER_BYTES = 8;
const STREAM_ID_MASK = 0x7fffffff;

/** Frames bigger than this close the connection: kubectl writes at most 32 KiB at a time. */
export const DEFAULT_MAX_FRAME_PAYLOAD = 1024 * 1024;

function controlHeader(type: number, flags: number, length: number): Buffer {
  const header = Buffer.alloc(FRAME_HEADER_BYTES);
  header.writeUInt16BE(0x8000 | SPDY_VERSION, 0);
  header.writeUInt16BE(type, 2);
  header.writeUInt32BE(((flags & 0xff) << 24) | length, 4);
  return header;
}

function control(type: number, flags: number, payload: Buffer): Buffer {
  return Buffer.concat([controlHeader(type, flags, payload.length), payload]);
}

function words(...values: number[]): Buffer {
  const payload = Buffer.alloc(values.length * 4);
  values.forEach((value, index) => payload.writeUInt32BE(value >>> 0, index * 4));
  return payload;
}

/** Serialises one frame; the caller sends it with a single write so a header block never straddles reads. */
export function encodeFrame(frame: SpdyFrame): Buffer {
  switch (frame.type) {
    case 'data': {
      if (frame.data.length > 0xffffff)
        throw new SpdyProtocolError('SPDY_FRAME_TOO_LARGE', 'data frame too large');
      const header = Buffer.alloc(FRAME_HEADER_BYTES);
      header.writeUInt32BE(frame.streamId & STREAM_ID_MASK, 0);
      header.writeUInt32BE(((frame.flags & 0xff) << 24) | frame.data.length, 4);
      return Buffer.concat([header, frame.data]);
    }
    case 'syn_stream': {
      const fixed = Buffer.alloc(10);
      fixed.writeUInt32BE(frame.streamId & STREAM_ID_MASK, 0);
      fixed.writeUInt32BE(frame.associatedStreamId & STREAM_ID_MASK, 4);
      fixed.writeUInt8((frame.priority & 0x07) << 5, 8);
      fixed.writeUInt8(frame.slot & 0xff, 9);
      return control(ControlType.SynStream, frame.flags, Buffer.concat([fixed, frame.headerBlock]));
    }
    case 'syn_reply':
      return control(
        ControlType.SynReply,
        frame.flags,
        Buffer.concat([words(frame.streamId), frame.headerBlock]),
      );
    case 'headers':
      return control(
        ControlType.Headers,
        frame.flags,
        Buffer.concat([words(frame.streamId), frame.headerBlock]),
      );
    case 'rst_stream':
      return control(ControlType.RstStream, 0, words(frame.streamId & STREAM_ID_MASK, frame.status));
    case 'settings': {
      const payload = Buffer.alloc(4 + frame.entries.length * 8);
      payload.writeUInt32BE(frame.entries.length, 0);
      frame.entries.forEach((entry, index) => {
        payload.writeUInt32BE((((entry.flags & 0xff) << 24) | (entry.id & 0xffffff)) >>> 0, 4 + index * 8);
        payload.writeUInt32BE(entry.value >>> 0, 8 + index * 8);
      });
      return control(ControlType.Settings, frame.flags, payload);
    }
    case 'ping':
      return control(ControlType.Ping, 0, words(frame.id));
    case 'goaway':
      return control(ControlType.GoAway, 0, words(frame.lastGoodStreamId & STREAM_ID_MASK, frame.status));
    case 'window_update':
      return control(
        ControlType.WindowUpdate,
        0,
        words(frame.streamId & STREAM_ID_MASK, frame.delta & STREAM_ID_MASK),
      );
    case 'unknown':
      return control(frame.controlType, frame.flags, Buffer.alloc(0));
  }
}

function requireLength(name: string, payload: Buffer, exact: number | undefined, minimum = 0): void {
  if ((exact !== undefined && payload.length !== exact) || payload.length < minimum) {
    throw new SpdyProtocolError('SPDY_PROTOCOL_ERROR', `invalid ${name} frame length ${payload.length}`);
  }
}

function decodeControl(type: number, flags: number, payload: Buffer): SpdyFrame {
  switch (type) {
    case ControlType.SynStream:
      requireLength('SYN_STREAM', payload, undefined, 10);
      return {
        type: 'syn_stream',
        streamId: payload.readUInt32BE(0) & STREAM_ID_MASK,
        associatedStreamId: payload.readUInt32BE(4) & STREAM_ID_MASK,
        priority: payload.readUInt8(8) >> 5,
        slot: payload.readUInt8(9),
        flags,
        headerBlock: payload.subarray(10),
      };
    case ControlType.SynReply:
    case ControlType.Headers:
      requireLength(type === ControlType.SynReply ? 'SYN_REPLY' : 'HEADERS', payload, undefined, 4);
      return {
        type: type === ControlType.SynReply ? 'syn_reply' : 'headers',
        streamId: payload.readUInt32BE(0) & STREAM_ID_MASK,
        flags,
        headerBlock: payload.subarray(4),
      };
    case ControlType.RstStream:
      requireLength('RST_STREAM', payload, 8);
      return {
        type: 'rst_stream',
        streamId: payload.readUInt32BE(0) & STREAM_ID_MASK,
        status: payload.readUInt32BE(4),
      };
    case ControlType.Settings: {
      requireLength('SETTINGS', payload, undefined, 4);
      const count = payload.readUInt32BE(0);
      if (payload.length !== 4 + count * 8) {
        throw new SpdyProtocolError('SPDY_PROTOCOL_ERROR', `SETTINGS frame claims ${count} entries`);
      }
      const entries: SettingsEntry[] = [];
      for (let index = 0; index < count; index++) {
        const idWord = payload.readUInt32BE(4 + index * 8);
        entries.push({
          flags: idWord >>> 24,
          id: idWord & 0xffffff,
          value: payload.readUInt32BE(8 + index * 8),
        });
      }
      return { type: 'settings', flags, entries };
    }
    case ControlType.Ping:
      requireLength('PING', payload, 4);
      return { type: 'ping', id: payload.readUInt32BE(0) };
    case ControlType.GoAway:
      requireLength('GOAWAY', payload, 8);
      return {
        type: 'goaway',
        lastGoodStreamId: payload.readUInt32BE(0) & STREAM_ID_MASK,
        status: payload.readUInt32BE(4),
      };
    case ControlType.WindowUpdate:
      requireLength('WINDOW_UPDATE', payload, 8);
      return {
        type: 'window_update',
        streamId: payload.readUInt32BE(0) & STREAM_ID_MASK,
        delta: payload.readUInt32BE(4) & STREAM_ID_MASK,
      };
    default:
      return { type: 'unknown', controlType: type, flags };
  }
}

/** Decodes one complete frame (header and payload). */
export function decodeFrame(bytes: Buffer): SpdyFrame {
  const first = bytes.readUInt32BE(0);
  const flags = bytes.readUInt8(4);
  const payload = bytes.subarray(FRAME_HEADER_BYTES);
  if ((first & 0x80000000) === 0) {
    return { type: 'data', streamId: first & STREAM_ID_MASK, flags, data: payload };
  }
  const version = (first >>> 16) & 0x7fff;
  if (version !== SPDY_VERSION) {
    throw new SpdyProtocolError('SPDY_UNSUPPORTED_VERSION', `unsupported SPDY version ${version}`);
  }
  return decodeControl(first & 0xffff, flags, payload);
}

/** Cuts a byte stream into frames; holds at most one incomplete frame. */
export class SpdyFrameParser {
  private chunks: Buffer[] = [];
  private buffered = 0;

  constructor(private readonly maxPayload = DEFAULT_MAX_FRAME_PAYLOAD) {}

  /** Throws SpdyProtocolError on a frame the connection cannot survive. */
  push(chunk: Buffer): Array<{ frame: SpdyFrame; size: number }> {
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    const frames: Array<{ frame: SpdyFrame; size: number }> = [];
    while (this.buffered >= FRAME_HEADER_BYTES) {
      const head = this.peek(FRAME_HEADER_BYTES);
      const length = head.readUInt32BE(4) & 0xffffff;
      if (length > this.maxPayload) {
        throw new SpdyProtocolError(
          'SPDY_FRAME_TOO_LARGE',
          `frame of ${length} bytes exceeds ${this.maxPayload}`,
        );
      }
      const size = FRAME_HEADER_BYTES + length;
      if (this.buffered < size) break;
      frames.push({ frame: decodeFrame(this.take(size)), size });
    }
    return frames;
  }

  private peek(size: number): Buffer {
    if (this.chunks[0].length < size) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0].subarray(0, size);
  }

  private take(size: number): Buffer {
    const head = this.peek(size);
    const first = this.chunks[0];
    if (first.length === size) this.chunks.shift();
    else this.chunks[0] = first.subarray(size);
    this.buffered -= size;
    // Copy so a frame never pins a large read buffer in memory.
    return Buffer.from(head);
  }
}
