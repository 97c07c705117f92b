import { decodeFrame, encodeFrame, SpdyFrameParser } from './spdy-frame-codec.js';
import { FLAG_FIN, FLAG_UNIDIRECTIONAL, type SpdyFrame } from './spdy-frame.js';
import { SpdyProtocolError } from './spdy-protocol-error.js';

const frames: SpdyFrame[] = [
  { type: 'data', streamId: 7, flags: FLAG_FIN, data: Buffer.from('hello') },
  { type: 'data', streamId: 0x7fffffff, flags: 0, data: Buffer.alloc(0) },
  {
    type: 'syn_stream',
    streamId: 3,
    associatedStreamId: 1,
    priority: 5,
    slot: 2,
    flags: FLAG_UNIDIRECTIONAL,
    headerBlock: Buffer.from([1, 2, 3]),
  },
  { type: 'syn_reply', streamId: 3, flags: FLAG_FIN, headerBlock: Buffer.from([9]) },
  { type: 'headers', streamId: 5, flags: 0, headerBlock: Buffer.from([4, 5]) },
  { type: 'rst_stream', streamId: 9, status: 5 },
  { type: 'settings', flags: 1, entries: [{ flags: 1, id: 7, value: 1 << 20 }] },
  { type: 'ping', id: 0xfffffff1 },
  { type: 'goaway', lastGoodStreamId: 11, status: 1 },
  { type: 'window_update', streamId: 0, delta: 65536 },
];

describe('SPDY/3.1 frame codec', () => {
  it.each(frames.map((frame) => [frame.type, frame] as const))('round-trips a %s frame', (_type, frame) => {
    expect(decodeFrame(encodeFrame(frame))).toEqual(frame);
  });

  it('writes control frames with the control bit, version 3, type, flags and 24-bit length', () => {
    const bytes = encodeFrame({ type: 'ping', id: 1 });
    expect([...bytes]).toEqual([0x80, 0x03, 0x00, 0x06, 0x00, 0x00, 0x00, 0x04, 0, 0, 0, 1]);
  });

  it('writes data frames with the stream id, flags and length', () => {
    const bytes = encodeFrame({ type: 'data', streamId: 1, flags: FLAG_FIN, data: Buffer.from('x') });
    expect([...bytes]).toEqual([0, 0, 0, 1, 0x01, 0, 0, 1, 0x78]);
  });

  it('reassembles frames split across reads and several frames in one read', () => {
    const wire = Buffer.concat(frames.map(encodeFrame));
    const parser = new SpdyFrameParser();
    const parsed = [];
    for (let offset = 0; offset < wire.length; offset += 3)
      parsed.push(...parser.push(wire.subarray(offset, offset + 3)));
    expect(parsed.map((entry) => entry.frame)).toEqual(frames);
    expect(new SpdyFrameParser().push(wire).map((entry) => entry.frame)).toEqual(frames);
  });

  it('rejects a frame larger than the limit before buffering it', () => {
    const header = Buffer.from([0, 0, 0, 1, 0, 0xff, 0xff, 0xff]);
    expect(() => new SpdyFrameParser(1024).push(header)).toThrow(SpdyProtocolError);
  });

  it('rejects another SPDY version', () => {
    const bytes = encodeFrame({ type: 'ping', id: 1 });
    bytes.writeUInt16BE(0x8002, 0);
    expect(() => decodeFrame(bytes)).toThrowError(
      expect.objectContaining({ code: 'SPDY_UNSUPPORTED_VERSION' }),
    );
  });

  it('rejects control frames whose payload length does not fit the type', () => {
    const truncatedPing = Buffer.from([0x80, 0x03, 0x00, 0x06, 0, 0, 0, 2, 0, 1]);
    expect(() => decodeFrame(truncatedPing)).toThrowError(
      expect.objectContaining({ code: 'SPDY_PROTOCOL_ERROR' }),
    );
    const lyingSettings = Buffer.from([0x80, 0x03, 0x00, 0x04, 0, 0, 0, 4, 0, 0, 0, 9]);
    expect(() => decodeFrame(lyingSettings)).toThrow(SpdyProtocolError);
  });

  it('passes unknown control frame types through so they can be ignored', () => {
    const bytes = Buffer.from([0x80, 0x03, 0x00, 0x0a, 0, 0, 0, 2, 1, 2]);
    expect(decodeFrame(bytes)).toEqual({ type: 'unknown', controlType: 10, flags: 0 });
  });
});
