/** Test support (not part of the package): a broker and agents on 127.0.0.1, and a log that records. */
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TunnelClient } from '../client.js';
import type { TunnelClientOptions } from '../client.js';
import type { TunnelLogger } from '../logger.js';
import { TunnelServer } from '../server.js';
import type { TunnelServerOptions } from '../server.js';
import type { SessionSettings } from '../session-settings.js';
import type { TunnelSession } from '../session.js';
import type { TunnelStream } from '../stream.js';

export const fastKeepalive: SessionSettings = { keepaliveIntervalMs: 100, keepaliveTimeoutMs: 600 };

export interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  fields: Record<string, unknown>;
  message: string | undefined;
}

export function recordingLogger(): TunnelLogger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const record =
    (level: LogLine['level']) =>
    (fields: object, message?: string): void => {
      lines.push({ level, fields: fields as Record<string, unknown>, message });
    };
  return {
    lines,
    debug: record('debug'),
    info: record('info'),
    warn: record('warn'),
    error: record('error'),
  };
}

export interface Broker {
  server: TunnelServer;
  http: Server;
  port: number;
  url: string;
  close(): Promise<void>;
}

/** A TunnelServer on an HTTP server; agents authenticate with `Authorization: Bearer <cluster>-token`. */
export async function startBroker(
  options: Partial<TunnelServerOptions> & { port?: number } = {},
): Promise<Broker> {
  const server = new TunnelServer({
    authenticate: (request) => {
      const match = /^Bearer (.+)-token$/.exec(request.headers.authorization ?? '');
      if (!match) throw new Error('no token');
      return { clusterName: match[1] };
    },
    ...options,
  });
  const http = createServer((_request, response) => response.writeHead(404).end());
  server.attach(http);
  http.listen(options.port ?? 0, '127.0.0.1');
  await once(http, 'listening');
  const { port } = http.address() as AddressInfo;
  return {
    server,
    http,
    port,
    url: `ws://127.0.0.1:${port}${server.path}`,
    close: async () => {
      server.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

/** Streams the agent accepted, in arrival order. */
export class StreamInbox {
  private readonly waiting: Array<(stream: TunnelStream) => void> = [];
  private readonly arrived: TunnelStream[] = [];

  readonly push = (stream: TunnelStream): void => {
    const waiter = this.waiting.shift();
    if (waiter) waiter(stream);
    else this.arrived.push(stream);
  };

  next(): Promise<TunnelStream> {
    const stream = this.arrived.shift();
    if (stream) return Promise.resolve(stream);
    return new Promise((resolve) => this.waiting.push(resolve));
  }
}

export interface Agent {
  client: TunnelClient;
  inbox: StreamInbox;
  /** The agent's end of the connection. */
  session: TunnelSession;
  /** The broker's end of the same connection. */
  brokerSession: TunnelSession;
}

/** Connects an agent and waits until both ends finished the handshake. */
export async function connectAgent(
  broker: Broker,
  clusterName = 'dev-east',
  options: Partial<TunnelClientOptions> = {},
): Promise<Agent> {
  const inbox = new StreamInbox();
  const brokerSide = new Promise<TunnelSession>((resolve) => {
    const onSession = (session: TunnelSession): void => {
      if (session.clusterName !== clusterName) return;
      broker.server.off('session', onSession);
      resolve(session);
    };
    broker.server.on('session', onSession);
  });
  const client = new TunnelClient({
    url: broker.url,
    headers: { authorization: `Bearer ${clusterName}-token` },
    onStream: inbox.push,
    reconnect: { baseMs: 20, maxMs: 200 },
    ...options,
  });
  const connected = once(client, 'connected') as Promise<[TunnelSession]>;
  client.start();
  const [session] = await connected;
  return { client, inbox, session, brokerSession: await brokerSide };
}

/** Waits until `predicate` holds, polling; fails after `timeoutMs` with `what`. */
export async function eventually(predicate: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Reads a stream to its end. */
export async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
