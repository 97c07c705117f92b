import type { Duplex } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { PodStreamContext } from '../pod-view.js';
import { SpdyConnection } from '../spdy/spdy-connection.js';
import { RstStatus } from '../spdy/spdy-frame.js';
import type { SpdyStream } from '../spdy/spdy-stream.js';
import { channelProtocolVersion } from './channel-protocol.js';
import type { ExecOptions } from './exec-options.js';
import { runExecSession } from './exec-session.js';
import { errorStreamPayload } from './exec-status.js';

/** How long the client gets to open every stream it asked for (the kubelet allows 30 s). */
const STREAM_CREATION_TIMEOUT_MS = 30_000;
/** How long to wait for the client to hang up after the final status before closing ourselves. */
const LINGER_MS = 10_000;

type StreamType = 'error' | 'stdin' | 'stdout' | 'stderr' | 'resize';

/**
 * Runs one exec/attach session over SPDY/3.1 (v2–v4.channel.k8s.io): the client opens one stream
 * per `streamType`, we reply to each, run the process once all expected streams exist, then write
 * the status to the error stream and half-close every stream.
 */
export function runSpdyExec(
  kind: 'exec' | 'attach',
  ctx: PodStreamContext,
  transport: Duplex,
  head: Buffer,
  protocol: string,
  options: ExecOptions,
): void {
  const version = channelProtocolVersion(protocol);
  const expected = new Set<StreamType>(['error']);
  if (options.stdin) expected.add('stdin');
  if (options.stdout) expected.add('stdout');
  if (options.stderr) expected.add('stderr');
  if (options.tty && version >= 3) expected.add('resize');

  const streams = new Map<StreamType, SpdyStream>();
  const clientGone = new AbortController();
  let started = false;

  const connection = new SpdyConnection(transport, {
    initialData: head,
    onStream: (stream) => {
      const type = stream.header('streamType') as StreamType | undefined;
      if (type === undefined || !expected.has(type) || streams.has(type)) {
        stream.reset(RstStatus.ProtocolError);
        return;
      }
      stream.accept();
      streams.set(type, stream);
      if (type === 'error' || type === 'resize') stream.resume();
      if (!started && streams.size === expected.size) {
        started = true;
        clearTimeout(creationTimer);
        void run().catch(() => connection.destroy());
      }
    },
  });
  const creationTimer = setTimeout(() => connection.end(), STREAM_CREATION_TIMEOUT_MS);
  connection.on('close', () => {
    clearTimeout(creationTimer);
    clientGone.abort();
  });

  async function run(): Promise<void> {
    const stdout = streams.get('stdout') ?? null;
    const stderr = streams.get('stderr') ?? null;
    const stdin = streams.get('stdin') ?? null;
    const outcome = await runExecSession(kind, ctx, options, { stdin, stdout, stderr }, clientGone.signal);
    if (outcome === null || connection.isClosed) return;
    for (const output of [stdout, stderr]) {
      if (output === null) continue;
      output.end();
      await finished(output, { readable: false }).catch(() => undefined);
    }
    const errorStream = streams.get('error')!;
    const payload = errorStreamPayload(outcome, options.command, version);
    if (payload !== null) errorStream.write(payload);
    errorStream.end();
    await finished(errorStream, { readable: false }).catch(() => undefined);
    setTimeout(() => connection.end(), LINGER_MS).unref();
  }
}
