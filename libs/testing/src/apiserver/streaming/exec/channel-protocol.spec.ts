import {
  Channel,
  channelProtocolVersion,
  decodeChannelMessage,
  EXEC_WEBSOCKET_PROTOCOLS,
  encodeChannelMessage,
} from './channel-protocol.js';

describe('remote command channel protocol', () => {
  it('offers v5 first and knows each version number', () => {
    expect(EXEC_WEBSOCKET_PROTOCOLS[0]).toBe('v5.channel.k8s.io');
    expect(EXEC_WEBSOCKET_PROTOCOLS.map(channelProtocolVersion)).toEqual([5, 4, 3, 2, 1]);
  });

  it('prefixes each message with its channel byte', () => {
    expect([...encodeChannelMessage(Channel.Stdout, Buffer.from('hi'))]).toEqual([1, 0x68, 0x69]);
    expect(decodeChannelMessage(Buffer.from([0, 0x61]), 5)).toEqual({
      kind: 'data',
      channel: 0,
      data: Buffer.from('a'),
    });
    expect(decodeChannelMessage(Buffer.from([4, 0x7b, 0x7d]), 5)).toMatchObject({ kind: 'data', channel: 4 });
  });

  it('reads the v5 close signal, and only in v5', () => {
    expect(decodeChannelMessage(Buffer.from([255, 0]), 5)).toEqual({ kind: 'close', channel: 0 });
    expect(decodeChannelMessage(Buffer.from([255, 0]), 4)).toMatchObject({ kind: 'invalid' });
    expect(decodeChannelMessage(Buffer.from([255, 0, 1]), 5)).toMatchObject({ kind: 'invalid' });
  });

  it('flags unknown channels and tolerates empty messages', () => {
    expect(decodeChannelMessage(Buffer.from([9, 1]), 5)).toEqual({
      kind: 'invalid',
      reason: 'unknown channel 9',
    });
    expect(decodeChannelMessage(Buffer.alloc(0), 5)).toEqual({ kind: 'empty' });
  });
});
