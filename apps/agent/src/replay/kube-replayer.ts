import type { IncomingMessage } from 'node:http';
import { request, type RequestOptions } from 'node:https';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { type DecisionClaims, DecisionError, type DecisionVerifier } from '@tether/decision';
import {
  encodeResponseHead,
  HeaderRejectedError,
  type HeaderLine,
  impersonationHeaders,
  type KubeRequestHead,
  sanitizeClientHeaders,
  type Status,
  statusFailure,
} from '@tether/kube';
import type { Logger } from 'pino';
import type { ApiServerConnection } from '../api-server/api-server-connection';
import type { AgentMetrics } from '../telemetry/agent-metrics';
import { ReplayRecord } from '../telemetry/replay-telemetry';

export const requestIdExtraKey = 'tether.dev/request-id';

/**
 * Replays one request from the tunnel to the local API server as the person the broker's decision
 * names. Nothing reaches the API server before the decision verified.
 */
export class KubeReplayer {
  constructor(
    private readonly apiServer: ApiServerConnection,
    private readonly verifier: DecisionVerifier,
    private readonly logger: Logger,
    private readonly metrics?: AgentMetrics,
  ) {}

  /** Never rejects: a failure of the agent itself is logged on the request's line and answered 500. */
  async replay(head: KubeRequestHead, stream: Duplex): Promise<void> {
    const record = new ReplayRecord(head, this.apiServer.url, this.metrics, this.logger);
    stream.once('close', () => record.end());
    try {
      await this.forward(head, stream, record);
    } catch (error) {
      record.logger.error({ err: (error as Error).message }, 'replay failed');
      record.answered(500);
      if (!stream.destroyed)
        respondWithStatus(
          stream,
          statusFailure(500, 'InternalError', 'tether agent failed to replay the request'),
        );
    }
  }

  private async forward(head: KubeRequestHead, stream: Duplex, record: ReplayRecord): Promise<void> {
    let claims: DecisionClaims;
    let clientHeaders: HeaderLine[];
    let upgrade: string | undefined;
    try {
      claims = this.verifier.verify(head.decision, { method: head.method, pathAndQuery: head.pathAndQuery });
      ({ headers: clientHeaders, upgrade } = sanitizeClientHeaders(head.headers));
    } catch (error) {
      if (!(error instanceof DecisionError) && !(error instanceof HeaderRejectedError)) throw error;
      record.logger.warn({ code: error.code }, 'refused request from tunnel');
      record.refused(403, error.code, error instanceof DecisionError);
      return respondWithStatus(
        stream,
        statusFailure(403, 'Forbidden', `tether agent refused the request: ${error.message}`),
      );
    }

    const authorization = await this.apiServer.authorizationHeader();
    // With raw header lines Node adds no Host header of its own.
    const headers: HeaderLine[] = [
      ['Host', this.apiServer.url.host],
      ...clientHeaders,
      ...(authorization ? ([['Authorization', authorization]] as HeaderLine[]) : []),
      ...impersonationHeaders({
        user: claims.user,
        groups: claims.groups,
        ...(claims.uid !== undefined ? { uid: claims.uid } : {}),
        extra: { ...claims.extra, [requestIdExtraKey]: [claims.requestId] },
      }),
      ['Audit-ID', claims.requestId],
      ['X-Forwarded-For', head.clientAddress],
    ];
    // The replay's span (ReplayRecord) is this request's CLIENT span: a raw header list is what the
    // HTTP instrumentation leaves alone (libs/telemetry instrumentations.ts), so it adds none.
    const upstream = request({
      protocol: 'https:',
      hostname: this.apiServer.url.hostname,
      port: this.apiServer.url.port || 443,
      method: head.method,
      path: head.pathAndQuery,
      agent: upgrade ? false : this.apiServer.agent,
      ...(upgrade ? tlsOptionsOf(this.apiServer) : {}),
      headers: headers.flat(),
    });

    // The client went away: cancel the upstream request too.
    const abort = () => upstream.destroy();
    stream.once('close', abort);
    stream.on('error', abort);
    let answered = false;
    upstream.on('error', (error) => {
      if (answered || stream.destroyed) return;
      record.logger.warn({ err: error.message }, 'API server request failed');
      record.answered(502);
      respondWithStatus(
        stream,
        statusFailure(502, 'InternalError', `tether agent could not reach the API server: ${error.message}`),
      );
    });
    upstream.on('response', (response) => {
      answered = true;
      record.answered(response.statusCode ?? 502);
      pipeResponse(response, stream);
    });
    upstream.on('upgrade', (response, socket, upgradeHead) => {
      answered = true;
      record.answered(response.statusCode ?? 101);
      spliceUpgrade(response, socket, upgradeHead, stream);
    });
    if (upgrade) {
      upstream.end();
    } else {
      stream.pipe(upstream);
    }
  }
}

function tlsOptionsOf(apiServer: ApiServerConnection): Pick<RequestOptions, 'ca' | 'cert' | 'key'> {
  const { ca, cert, key } = apiServer.agent.options;
  return { ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}) };
}

function responseHeadOf(response: IncomingMessage): Buffer {
  const headers: HeaderLine[] = [];
  for (let i = 0; i + 1 < response.rawHeaders.length; i += 2) {
    headers.push([response.rawHeaders[i] as string, response.rawHeaders[i + 1] as string]);
  }
  return encodeResponseHead({
    status: response.statusCode ?? 502,
    ...(response.statusMessage ? { statusMessage: response.statusMessage } : {}),
    headers,
  });
}

function pipeResponse(response: IncomingMessage, stream: Duplex): void {
  stream.write(responseHeadOf(response));
  response.pipe(stream);
}

// A refused upgrade arrives as an ordinary response and ends the stream: the connection is never
// reused for another request (CVE-2018-1002105).
function spliceUpgrade(response: IncomingMessage, socket: Socket, upgradeHead: Buffer, stream: Duplex): void {
  stream.write(responseHeadOf(response));
  if (upgradeHead.length > 0) stream.write(upgradeHead);
  socket.pipe(stream);
  stream.pipe(socket);
  const closeBoth = () => {
    socket.destroy();
    stream.destroy();
  };
  socket.on('error', closeBoth);
  socket.on('close', () => stream.end());
  stream.on('error', closeBoth);
}

export function respondWithStatus(stream: Duplex, status: Status): void {
  const body = Buffer.from(JSON.stringify(status));
  stream.write(
    encodeResponseHead({
      status: status.code,
      headers: [
        ['Content-Type', 'application/json'],
        ['Content-Length', String(body.length)],
      ],
    }),
  );
  stream.end(body);
}
