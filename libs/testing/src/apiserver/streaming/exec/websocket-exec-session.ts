import { Readable, Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { WebSocket, type RawData } from 'ws';
import type { PodStreamContext } from '../pod-view.js';
import {
  Channel,
  channelProtocolVersion,
  decodeChannelMessage,
  encodeChannelMessage,
} from './channel-protocol.js';
import type { ExecOptions } from './exec-options.js';
import { runExecSession } from './exec-session.js';
import { errorStreamPayload } from './exec-status.js';

/** Sends one channel's output as binary messages; a write completes once the socket took it. */
class ChannelWritable extends Writable {
  constructor(
    private readonly ws: WebSocket,
    private readonly channel: number,
  ) {
    super();
    this.on('error', () => undefined);
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.ws.readyState !== WebSocket.OPEN) return callback();
    // A failed send means the client is gone; the session notices through 'close'.
    this.ws.send(encodeChannelMessage(this.channel, chunk), { binary: true }, () => callback());
  }
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

/** Runs one exec/attach session over an accepted WebSocket (v1–v5 channel protocols). */
export function runWebSocketExec(
  kind: 'exec' | 'attach',
  ctx: PodStreamContext,
  ws: WebSocket,
  protocol: string,
  options: ExecOptions,
): void {
  const version = channelProtocolVersion(protocol);
  const clientGone = new AbortController();
  const stdin = options.stdin ? new Readable({ read: () => ws.resume() }) : null;
  stdin?.on('error', () => undefined);
  let stdinOpen = stdin !== null;
  const closeStdin = () => {
    if (!stdinOpen) return;
    stdinOpen = false;
    stdin?.push(null);
  };
  const stdout = options.stdout ? new ChannelWritable(ws, Channel.Stdout) : null;
  const stderr = options.stderr ? new ChannelWritable(ws, Channel.Stderr) : null;

  ws.on('close', () => {
    clientGone.abort();
    closeStdin();
  });
  ws.on('message', (data, isBinary) => {
    if (!isBinary) return ws.close(1003, 'binary messages only');
    const message = decodeChannelMessage(toBuffer(data), version);
    if (message.kind === 'invalid') return ws.close(1003, message.reason);
    if (message.kind === 'close') {
      if (message.channel === Channel.Stdin) closeStdin();
      return;
    }
    // Resize requests and anything sent on our output channels carry nothing for the simulation.
    if (
      message.kind === 'data' &&
      message.channel === Channel.Stdin &&
      stdinOpen &&
      message.data.length > 0
    ) {
      if (!stdin!.push(message.data)) ws.pause();
    }
  });

  // Like the kubelet: an empty message on the lowest writable channel says the session is up.
  const first = options.stdout ? Channel.Stdout : options.stderr ? Channel.Stderr : Channel.Error;
  ws.send(Buffer.of(first), { binary: true });

  void (async () => {
    const outcome = await runExecSession(kind, ctx, options, { stdin, stdout, stderr }, clientGone.signal);
    if (outcome === null || ws.readyState !== WebSocket.OPEN) return ws.terminate();
    for (const output of [stdout, stderr]) {
      if (output === null) continue;
      output.end();
      await finished(output).catch(() => undefined);
    }
    const payload = errorStreamPayload(outcome, options.command, version);
    if (payload !== null && ws.readyState === WebSocket.OPEN)
      ws.send(encodeChannelMessage(Channel.Error, payload));
    ws.close(1000);
  })().catch(() => ws.terminate());
}
