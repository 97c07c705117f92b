import { duplexPair, type Duplex } from 'node:stream';
import { SpdyConnection } from './spdy-connection.js';
import { encodeFrame, SpdyFrameParser } from './spdy-frame-codec.js';
import { FLAG_FIN, RstStatus, SETTINGS_INITIAL_WINDOW_SIZE, type SpdyFrame } from './spdy-frame.js';
import { SpdyHeaderCodec } from './spdy-header-compression.js';
import type { SpdyStream } from './spdy-stream.js';

/** The client end of a SPDY session, speaking raw frames like spdystream would. */
class RawClient {
  readonly frames: SpdyFrame[] = [];
  private readonly parser = new SpdyFrameParser();
  readonly codec = new SpdyHeaderCodec();

  constructor(readonly socket: Duplex) {
    socket.on('data', (chunk: Buffer) =>
      this.frames.push(...this.parser.push(chunk).map((entry) => entry.frame)),
    );
  }

  send(frame: SpdyFrame): void {
    this.socket.write(encodeFrame(frame));
  }

  async open(streamId: number, headers: Record<string, string>, flags = 0): Promise<void> {
    const headerBlock = await this.codec.encode(
      new Map(Object.entries(headers).map(([name, value]) => [name, [value]])),
    );
    this.send({
      type: 'syn_stream',
      streamId,
      associatedStreamId: 0,
      priority: 0,
      slot: 0,
      flags,
      headerBlock,
    });
  }

  async next<T extends SpdyFrame['type']>(
    type: T,
    match: (frame: Extract<SpdyFrame, { type: T }>) => boolean = () => true,
  ) {
    return vi.waitFor(() => {
      const found = this.frames.find(
        (frame): frame is Extract<SpdyFrame, { type: T }> => frame.type === type && match(frame as never),
      );
      if (found === undefined) throw new Error(`no ${type} frame yet`);
      return found;
    });
  }

  dataFor(streamId: number): string {
    return this.frames
      .filter(
        (frame): frame is Extract<SpdyFrame, { type: 'data' }> =>
          frame.type === 'data' && frame.streamId === streamId,
      )
      .map((frame) => frame.data.toString())
      .join('');
  }
}

function setup() {
  const [serverSide, clientSide] = duplexPair();
  const streams: SpdyStream[] = [];
  const connection = new SpdyConnection(serverSide, { onStream: (stream) => streams.push(stream) });
  return { connection, client: new RawClient(clientSide), streams, serverSide };
}

describe('SpdyConnection', () => {
  it('hands over each stream the client opens with its headers and replies with SYN_REPLY once accepted', async () => {
    const { client, streams } = setup();
    await client.open(1, { streamType: 'error' });
    await vi.waitFor(() => expect(streams).toHaveLength(1));
    expect(streams[0].header('streamtype')).toBe('error');
    expect(streams[0].header('StreamType')).toBe('error');
    streams[0].accept();
    const reply = await client.next('syn_reply');
    expect(reply.streamId).toBe(1);
    expect((await client.codec.decode(reply.headerBlock)).size).toBe(0);
  });

  it('carries data both ways and half-closes with FIN', async () => {
    const { client, streams } = setup();
    await client.open(1, { streamType: 'stdin' });
    await vi.waitFor(() => expect(streams).toHaveLength(1));
    const stream = streams[0];
    stream.accept();
    client.send({ type: 'data', streamId: 1, flags: FLAG_FIN, data: Buffer.from('ping') });
    let received = '';
    stream.on('data', (chunk: Buffer) => (received += chunk.toString()));
    await new Promise((resolve) => stream.once('end', resolve));
    expect(received).toBe('ping');

    stream.end('pong');
    await client.next('data', (frame) => (frame.flags & FLAG_FIN) !== 0);
    expect(client.dataFor(1)).toBe('pong');
    const replyIndex = client.frames.findIndex((frame) => frame.type === 'syn_reply');
    const dataIndex = client.frames.findIndex((frame) => frame.type === 'data');
    expect(replyIndex).toBeLessThan(dataIndex);
  });

  it('answers client pings with the same id and ignores even (server) ids', async () => {
    const { client } = setup();
    client.send({ type: 'ping', id: 2 });
    client.send({ type: 'ping', id: 7 });
    expect((await client.next('ping')).id).toBe(7);
    expect(client.frames.filter((frame) => frame.type === 'ping')).toHaveLength(1);
  });

  it('refuses stream ids that are even or go backwards', async () => {
    const { client, streams } = setup();
    await client.open(5, { streamType: 'error' });
    await client.open(3, { streamType: 'stdout' });
    await client.open(8, { streamType: 'stderr' });
    await client.next('rst_stream', (frame) => frame.streamId === 8);
    expect(client.frames.filter((frame) => frame.type === 'rst_stream')).toEqual([
      { type: 'rst_stream', streamId: 3, status: RstStatus.ProtocolError },
      { type: 'rst_stream', streamId: 8, status: RstStatus.ProtocolError },
    ]);
    expect(streams.map((stream) => stream.id)).toEqual([5]);
  });

  it('closes the connection on garbage without throwing', async () => {
    const { client, connection } = setup();
    const closed = new Promise((resolve) => connection.once('close', resolve));
    client.socket.write(Buffer.from([0x80, 0x07, 0x00, 0x01, 0, 0, 0, 10, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]));
    await closed;
    expect(connection.isClosed).toBe(true);
  });

  it('closes the connection when a header block is not valid zlib', async () => {
    const { client, connection } = setup();
    const closed = new Promise((resolve) => connection.once('close', resolve));
    client.send({
      type: 'syn_stream',
      streamId: 1,
      associatedStreamId: 0,
      priority: 0,
      slot: 0,
      flags: 0,
      headerBlock: Buffer.from('nope'),
    });
    await closed;
    expect(client.frames.at(-1)).toMatchObject({ type: 'goaway', status: 1 });
  });

  it('tears a stream down when the client resets it; later writes are dropped quietly', async () => {
    const { client, streams } = setup();
    await client.open(1, { streamType: 'stdout' });
    await vi.waitFor(() => expect(streams).toHaveLength(1));
    const stream = streams[0];
    stream.accept();
    const closed = new Promise((resolve) => stream.once('close', resolve));
    client.send({ type: 'rst_stream', streamId: 1, status: RstStatus.Cancel });
    await closed;
    stream.write('too late');
    expect(client.dataFor(1)).toBe('');
  });

  it('holds data back once the peer speaks 3.1 flow control, until it grants window', async () => {
    const { client, streams } = setup();
    client.send({
      type: 'settings',
      flags: 0,
      entries: [{ flags: 0, id: SETTINGS_INITIAL_WINDOW_SIZE, value: 10 }],
    });
    await client.open(1, { streamType: 'data' });
    await vi.waitFor(() => expect(streams).toHaveLength(1));
    streams[0].accept();
    streams[0].write('0123456789abcdefghijklmno');
    await vi.waitFor(() => expect(client.dataFor(1)).toBe('0123456789'));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(client.dataFor(1)).toBe('0123456789');
    client.send({ type: 'window_update', streamId: 1, delta: 100 });
    await vi.waitFor(() => expect(client.dataFor(1)).toBe('0123456789abcdefghijklmno'));
  });

  it('stops reading while a stream consumer lags, and returns window as data is consumed', async () => {
    const { client, streams } = setup();
    await client.open(1, { streamType: 'data' });
    await vi.waitFor(() => expect(streams).toHaveLength(1));
    streams[0].accept();
    const chunk = Buffer.alloc(16 * 1024, 'x');
    for (let index = 0; index < 16; index++)
      client.send({ type: 'data', streamId: 1, flags: 0, data: chunk });
    client.send({ type: 'data', streamId: 1, flags: FLAG_FIN, data: Buffer.alloc(0) });
    await new Promise((resolve) => setTimeout(resolve, 50));
    // Nothing consumed yet: the stream holds at most its window, the rest waits upstream.
    expect(streams[0].readableLength).toBeLessThanOrEqual(128 * 1024);
    let total = 0;
    streams[0].on('data', (data: Buffer) => (total += data.length));
    await new Promise((resolve) => streams[0].once('end', resolve));
    expect(total).toBe(16 * chunk.length);
    await client.next('window_update', (frame) => frame.streamId === 1);
  });
});
