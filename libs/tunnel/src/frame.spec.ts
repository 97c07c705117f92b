import { TunnelProtocolError } from './errors.js';
import {
  CloseCode,
  FLAG_DEFERRED,
  FLAG_FIN,
  FRAME_HEADER_BYTES,
  FrameType,
  closeReason,
  decodeMessage,
  decodeHello,
  decodeOpen,
  decodeReset,
  decodeWindowUpdate,
  encodeFrame,
  encodeGoAway,
  encodeHello,
  encodeOpen,
  encodeReset,
  encodeWindowUpdate,
} from './frame.js';

const MAX = 32 * 1024;

function decodeError(message: Buffer): TunnelProtocolError {
  try {
    decodeMessage(message, MAX);
  } catch (error) {
    expect(error).toBeInstanceOf(TunnelProtocolError);
    return error as TunnelProtocolError;
  }
  throw new Error('expected the message to be rejected');
}

describe('frame encoding', () => {
  it('round-trips every frame type, several frames to one message, in order', () => {
    const hello = {
      initialWindow: 65536,
      maxFramePayload: 16384,
      maxConcurrentStreams: 10,
      info: { cluster: 'a' },
    };
    const message = Buffer.concat([
      encodeHello(hello),
      encodeOpen(1, Buffer.from(JSON.stringify({ method: 'GET', path: '/api' }))),
      encodeFrame(FrameType.Data, 1, Buffer.from('hello')),
      encodeFrame(FrameType.Data, 1, Buffer.alloc(0), FLAG_FIN),
      encodeWindowUpdate(1, 4096),
      encodeReset(3, 'STREAM_ERROR', 'dial tcp 10.0.0.1:443: connection refused'),
      encodeGoAway('broker shutting down'),
    ]);
    const { frames, deferred } = decodeMessage(message, MAX);
    expect(deferred).toEqual([]);
    expect(frames.map((frame) => [frame.type, frame.streamId, frame.flags])).toEqual([
      [FrameType.Hello, 0, 0],
      [FrameType.Open, 1, 0],
      [FrameType.Data, 1, 0],
      [FrameType.Data, 1, FLAG_FIN],
      [FrameType.WindowUpdate, 1, 0],
      [FrameType.Reset, 3, 0],
      [FrameType.GoAway, 0, 0],
    ]);
    expect(decodeHello(frames[0].payload)).toEqual(hello);
    expect(decodeOpen(frames[1].payload)).toEqual({ method: 'GET', path: '/api' });
    expect(frames[2].payload.toString()).toBe('hello');
    expect(decodeWindowUpdate(frames[4].payload)).toBe(4096);
    expect(decodeReset(frames[5].payload)).toEqual({
      code: 'STREAM_ERROR',
      reason: 'dial tcp 10.0.0.1:443: connection refused',
    });
    expect(frames[6].payload.toString()).toBe('broker shutting down');
  });

  it('lays the header out as documented: version, type, flags, reserved, stream id, length', () => {
    const frame = encodeFrame(FrameType.Data, 0x01020304, Buffer.from('xyz'), FLAG_FIN);
    expect([...frame.subarray(0, FRAME_HEADER_BYTES)]).toEqual([1, 3, 1, 0, 1, 2, 3, 4, 0, 0, 0, 3]);
  });

  it('defers the payloads of DATA headers flagged so, in header order', () => {
    const message = Buffer.concat([
      encodeWindowUpdate(2, 10),
      encodeFrame(FrameType.Data, 1, Buffer.alloc(0), FLAG_DEFERRED).fill(0, 8),
      encodeFrame(FrameType.Data, 3, Buffer.alloc(0), FLAG_DEFERRED | FLAG_FIN),
    ]);
    message.writeUInt32BE(20_000, 12 + 4 + 8);
    const { frames, deferred } = decodeMessage(message, MAX);
    expect(frames).toHaveLength(1);
    expect(deferred).toEqual([
      { type: FrameType.Data, flags: FLAG_DEFERRED, streamId: 1, length: 20_000 },
      { type: FrameType.Data, flags: FLAG_DEFERRED | FLAG_FIN, streamId: 3, length: 0 },
    ]);
  });

  it('keeps a long reset reason to whole characters', () => {
    const reason = decodeReset(
      encodeReset(1, 'CANCEL', 'é'.repeat(2000)).subarray(FRAME_HEADER_BYTES),
    ).reason;
    expect(reason).toBe('é'.repeat(512));
    expect(Buffer.byteLength(closeReason('ü'.repeat(200)))).toBeLessThanOrEqual(123);
  });
});

describe('frame decoding rejects', () => {
  it('another protocol version with the version-mismatch close code', () => {
    const frame = encodeFrame(FrameType.Data, 1, Buffer.from('x'));
    frame[0] = 2;
    const error = decodeError(frame);
    expect(error.closeCode).toBe(CloseCode.VersionMismatch);
    expect(error.message).toMatch(/version 2/);
  });

  it('a payload above the maximum frame size with 1009, even when the message is intact', () => {
    const error = decodeError(encodeFrame(FrameType.Data, 1, Buffer.alloc(MAX + 1)));
    expect(error.closeCode).toBe(CloseCode.MessageTooBig);
    expect(error.message).toMatch(/exceeds the maximum/);
  });

  it.each([
    ['an empty message', Buffer.alloc(0)],
    ['a truncated header', encodeFrame(FrameType.Data, 1, Buffer.from('x')).subarray(0, 7)],
    [
      'a payload running past the message',
      encodeFrame(FrameType.Data, 1, Buffer.from('abcdef')).subarray(0, 15),
    ],
    ['an unknown frame type', Buffer.from([1, 99, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0])],
    ['a non-zero reserved byte', Buffer.from([1, 3, 0, 7, 0, 0, 0, 1, 0, 0, 0, 0])],
    ['FIN on a frame other than DATA', Buffer.from([1, 2, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0])],
    ['undefined flag bits', Buffer.from([1, 3, 0x80, 0, 0, 0, 0, 1, 0, 0, 0, 0])],
    ['DATA on stream 0', encodeFrame(FrameType.Data, 0, Buffer.from('x'))],
    ['GOAWAY on a stream', encodeFrame(FrameType.GoAway, 5, Buffer.alloc(0))],
    ['DEFERRED on a frame other than DATA', Buffer.from([1, 4, 2, 0, 0, 0, 0, 1, 0, 0, 0, 0])],
    [
      'a frame after a deferred header',
      Buffer.concat([
        encodeFrame(FrameType.Data, 1, Buffer.alloc(0), FLAG_DEFERRED),
        encodeWindowUpdate(1, 5),
      ]),
    ],
  ])('%s', (_name, message) => {
    expect(decodeError(message).closeCode).toBe(CloseCode.ProtocolError);
  });

  it('random bytes, without throwing anything but a protocol error', () => {
    for (let i = 0; i < 2000; i++) {
      const garbage = Buffer.from(
        Array.from({ length: 1 + (i % 64) }, () => Math.floor(Math.random() * 256)),
      );
      try {
        decodeMessage(garbage, MAX);
      } catch (error) {
        expect(error).toBeInstanceOf(TunnelProtocolError);
      }
    }
  });

  it('malformed payloads of HELLO, OPEN and WINDOW_UPDATE', () => {
    expect(() => decodeHello(Buffer.alloc(4))).toThrow(TunnelProtocolError);
    const tinyFrames = encodeHello({
      initialWindow: 1,
      maxFramePayload: 10,
      maxConcurrentStreams: 1,
      info: {},
    });
    expect(() => decodeHello(tinyFrames.subarray(FRAME_HEADER_BYTES))).toThrow(/max frame payload/);
    expect(() => decodeOpen(Buffer.from('{not json'))).toThrow(/not valid JSON/);
    expect(() => decodeOpen(Buffer.from('[1,2]'))).toThrow(/JSON object/);
    expect(() => decodeWindowUpdate(Buffer.alloc(4))).toThrow(/out of range/);
    expect(() => decodeWindowUpdate(Buffer.alloc(3))).toThrow(/4 bytes/);
  });
});
