// The Kubernetes remote-command channel protocol over WebSocket (channel.k8s.io family): every
// binary message starts with a channel byte. v5 adds a CLOSE message, [255, channel], which the
// client sends when its stdin ends.

export const EXEC_WEBSOCKET_PROTOCOLS = [
  'v5.channel.k8s.io',
  'v4.channel.k8s.io',
  'v3.channel.k8s.io',
  'v2.channel.k8s.io',
  'channel.k8s.io',
] as const;

/** Protocol version numbers shared with SPDY's X-Stream-Protocol-Version names. */
export function channelProtocolVersion(protocol: string): number {
  const match = /^v(\d)\.channel\.k8s\.io$/.exec(protocol);
  return match === null ? 1 : Number(match[1]);
}

export const Channel = { Stdin: 0, Stdout: 1, Stderr: 2, Error: 3, Resize: 4, Close: 255 } as const;

export type ChannelMessage =
  | { kind: 'data'; channel: number; data: Buffer }
  | { kind: 'close'; channel: number }
  | { kind: 'empty' }
  | { kind: 'invalid'; reason: string };

export function encodeChannelMessage(channel: number, data: Buffer): Buffer {
  return Buffer.concat([Buffer.of(channel), data]);
}

export function decodeChannelMessage(message: Buffer, version: number): ChannelMessage {
  if (message.length === 0) return { kind: 'empty' };
  const channel = message[0];
  if (channel === Channel.Close && version >= 5) {
    if (message.length !== 2) return { kind: 'invalid', reason: 'malformed close message' };
    return { kind: 'close', channel: message[1] };
  }
  if (channel > Channel.Resize) return { kind: 'invalid', reason: `unknown channel ${channel}` };
  return { kind: 'data', channel, data: message.subarray(1) };
}
