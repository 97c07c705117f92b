import type { Duplex } from 'node:stream';
import type { PodStreamContext } from '../pod-view.js';
import { SpdyConnection } from '../spdy/spdy-connection.js';
import { RstStatus } from '../spdy/spdy-frame.js';
import type { SpdyStream } from '../spdy/spdy-stream.js';
import { answerOnPodPort } from './pod-port-responder.js';
import { connectionRefusedMessage, podListensOn } from './port-forward-target.js';

/** How long the second stream of a pair may take to arrive (the kubelet's stream creation timeout). */
const PAIR_TIMEOUT_MS = 30_000;

interface StreamPair {
  requestId: string;
  error?: SpdyStream;
  data?: SpdyStream;
  timer: NodeJS.Timeout;
}

/**
 * The kubelet's port-forward protocol (portforward.k8s.io) over a SPDY session: each forwarded TCP
 * connection arrives as an `error` and a `data` stream sharing `requestID` and `port` headers.
 */
export function servePortForwardStreams(
  ctx: PodStreamContext,
  transport: Duplex,
  head?: Buffer,
): SpdyConnection {
  const pairs = new Map<string, StreamPair>();

  const connection = new SpdyConnection(transport, {
    initialData: head,
    onStream: (stream) => {
      const port = Number(stream.header('port') ?? '');
      const type = stream.header('streamType');
      if (!Number.isInteger(port) || port < 1 || port > 65535 || (type !== 'error' && type !== 'data')) {
        stream.reset(RstStatus.ProtocolError);
        return;
      }
      stream.accept();
      // Old clients send no requestID; the kubelet derives one from consecutive stream ids.
      const requestId = stream.header('requestID') ?? String(type === 'error' ? stream.id : stream.id - 2);
      let pair = pairs.get(requestId);
      if (pair === undefined) {
        const created: StreamPair = { requestId, timer: setTimeout(() => expire(created), PAIR_TIMEOUT_MS) };
        pair = created;
        pairs.set(requestId, pair);
      }
      if (pair[type] !== undefined) {
        pair.error?.write(
          `error processing stream for request ${requestId}: ${type} stream already assigned`,
        );
        stream.reset(RstStatus.ProtocolError);
        return;
      }
      pair[type] = stream;
      if (pair.error !== undefined && pair.data !== undefined) {
        clearTimeout(pair.timer);
        pairs.delete(requestId);
        void forward(port, pair.data, pair.error);
      }
    },
  });

  const expire = (pair: StreamPair) => {
    pairs.delete(pair.requestId);
    pair.error?.end(`(conn=${ctx.pod.name}, request=${pair.requestId}) timed out waiting for streams`);
    pair.data?.end();
  };

  const forward = async (port: number, data: SpdyStream, error: SpdyStream) => {
    // The client never writes on the error stream; drain it so it cannot stall the session.
    error.resume();
    try {
      if (podListensOn(ctx.pod, port)) await answerOnPodPort(ctx.pod, port, data);
      else {
        error.write(connectionRefusedMessage(ctx.pod, port));
        data.resume();
        data.end();
      }
    } finally {
      error.end();
    }
  };

  const onPodGone = () => connection.end();
  ctx.podGone.addEventListener('abort', onPodGone, { once: true });
  connection.on('close', () => {
    ctx.podGone.removeEventListener('abort', onPodGone);
    for (const pair of pairs.values()) clearTimeout(pair.timer);
    pairs.clear();
  });
  if (ctx.podGone.aborted) connection.end();
  return connection;
}
