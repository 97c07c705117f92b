import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { type DecisionSigner, hashRequestTarget } from '@tether/decision';
import {
  forbiddenStatus,
  HeaderRejectedError,
  headerLinesFromRaw,
  type KubeRequestHead,
  ProxyTargetError,
  parseProxyTarget,
  RequestUrlError,
  type Status,
  sanitizeClientHeaders,
  statusFailure,
  unauthorizedStatus,
} from '@tether/kube';
import type { Logger } from 'pino';
import type { SessionIdentity } from '../auth/session-tokens';
import { bearerToken } from '../auth/bearer-token';
import { SessionTokenError } from '../auth/session-token.errors';
import type { AccessDecision } from '../policy/policy-access';
import { awaitResponseHead } from './await-response-head';
import { kubeRequestAttributes } from './kube-request-attributes';
import { writeStatus, writeStatusToSocket } from './kube-status-writer';
import type { RequestAttributes } from '@tether/kube';

/** How the proxy reaches clusters: the tunnel gateway in production, anything Duplex in tests. */
export interface ClusterTransport {
  isRegistered(cluster: string): boolean;
  /** A new stream to the cluster's agent, or undefined when no agent is connected. */
  openStream(cluster: string, head: KubeRequestHead): Duplex | undefined;
}

export interface KubeProxyDependencies {
  authenticate: (token: string | undefined) => Promise<SessionIdentity>;
  decide: (
    who: SessionIdentity,
    cluster: string,
    attributes: RequestAttributes,
  ) => AccessDecision | Promise<AccessDecision>;
  transport: ClusterTransport;
  signer: DecisionSigner;
  decisionLifetimeSeconds: number;
  logger: Logger;
}

type Prepared = { ok: true; cluster: string; head: KubeRequestHead } | { ok: false; status: Status };

/**
 * The kubectl path at the broker: read the target once, authenticate, strip client identity, derive
 * attributes, decide, sign, and hand the request to the cluster's agent. Every refusal is a Status.
 */
export class KubeProxy {
  constructor(private readonly deps: KubeProxyDependencies) {}

  async handleRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const prepared = await this.prepare(req, false);
    if (!prepared.ok) return writeStatus(res, prepared.status);
    const stream = this.deps.transport.openStream(prepared.cluster, prepared.head);
    if (!stream) return writeStatus(res, agentOffline(prepared.cluster));
    const cancel = () => stream.destroy();
    res.on('close', () => {
      if (!res.writableFinished) cancel();
    });
    req.pipe(stream);
    awaitResponseHead(
      stream,
      (head, firstBodyBytes) => {
        res.writeHead(head.status, head.statusMessage, head.headers.flat());
        // Body bytes that came with the head carry the headers out in the same write; otherwise flush so a
        // watch shows its headers before its first event.
        if (firstBodyBytes.length > 0) res.write(firstBodyBytes);
        else res.flushHeaders();
        stream.pipe(res);
      },
      () => writeStatus(res, agentBroken(prepared.cluster)),
    );
    stream.on('error', (error) => {
      this.deps.logger.warn(
        { requestId: prepared.head.requestId, err: error.message },
        'tunnel stream failed',
      );
      if (!res.headersSent) writeStatus(res, agentOffline(prepared.cluster));
      else res.destroy();
    });
    stream.on('end', () => {
      if (!res.headersSent) writeStatus(res, agentBroken(prepared.cluster));
    });
  }

  async handleUpgrade(req: IncomingMessage, socket: Duplex, upgradeHead: Buffer): Promise<void> {
    const prepared = await this.prepare(req, true);
    if (!prepared.ok) return writeStatusToSocket(socket, prepared.status);
    const stream = this.deps.transport.openStream(prepared.cluster, prepared.head);
    if (!stream) return writeStatusToSocket(socket, agentOffline(prepared.cluster));
    if (upgradeHead.length > 0) stream.write(upgradeHead);
    awaitResponseHead(
      stream,
      ({ status, statusMessage, headers }, firstBodyBytes) => {
        const lines = headers.map(([name, value]) => `${name}: ${value}\r\n`).join('');
        socket.write(`HTTP/1.1 ${status} ${statusMessage ?? ''}\r\n${lines}\r\n`);
        if (firstBodyBytes.length > 0) socket.write(firstBodyBytes);
        stream.pipe(socket);
        // Only a switched connection carries client bytes on; a refused upgrade ends with its response.
        if (status === 101) socket.pipe(stream);
      },
      () => writeStatusToSocket(socket, agentBroken(prepared.cluster)),
    );
    const closeBoth = () => {
      stream.destroy();
      socket.destroy();
    };
    socket.on('error', closeBoth);
    socket.on('close', () => stream.destroy());
    stream.on('error', () => {
      if (socket.writable) socket.destroy();
    });
    stream.on('end', () => socket.end());
  }

  private async prepare(req: IncomingMessage, isUpgrade: boolean): Promise<Prepared> {
    const requestId = randomUUID();
    let target;
    try {
      target = parseProxyTarget(req.url ?? '');
    } catch (error) {
      if (error instanceof ProxyTargetError)
        return { ok: false, status: statusFailure(400, 'BadRequest', error.message) };
      throw error;
    }
    // Authenticate first: which clusters exist is not for anonymous callers to learn.
    let who: SessionIdentity;
    try {
      who = await this.deps.authenticate(bearerToken(req.headers.authorization));
    } catch (error) {
      if (error instanceof SessionTokenError) return { ok: false, status: unauthorizedStatus() };
      throw error;
    }
    if (!this.deps.transport.isRegistered(target.cluster)) {
      return {
        ok: false,
        status: statusFailure(404, 'NotFound', `cluster "${target.cluster}" is not registered with Tether`),
      };
    }
    let headers;
    try {
      const sanitized = sanitizeClientHeaders(headerLinesFromRaw(req.rawHeaders));
      if (isUpgrade !== (sanitized.upgrade !== undefined)) {
        return {
          ok: false,
          status: statusFailure(400, 'BadRequest', 'upgrade request without a matching Upgrade header'),
        };
      }
      headers = sanitized.headers;
    } catch (error) {
      if (error instanceof HeaderRejectedError)
        return { ok: false, status: statusFailure(400, 'BadRequest', error.message) };
      throw error;
    }
    let attributes: RequestAttributes;
    try {
      attributes = kubeRequestAttributes(req.method ?? 'GET', target.pathAndQuery);
    } catch (error) {
      if (error instanceof RequestUrlError)
        return { ok: false, status: statusFailure(400, 'BadRequest', error.message) };
      throw error;
    }
    const access = await this.deps.decide(who, target.cluster, attributes);
    if (!access.allowed) {
      this.deps.logger.info(
        {
          requestId,
          user: who.username,
          cluster: target.cluster,
          verb: attributes.verb,
          reason: access.reason,
        },
        'denied',
      );
      return { ok: false, status: forbiddenStatus(attributes, who.username, access.reason) };
    }
    const now = Math.floor(Date.now() / 1000);
    const method = (req.method ?? 'GET').toUpperCase();
    const decision = this.deps.signer.sign({
      requestId,
      cluster: target.cluster,
      method,
      pathHash: hashRequestTarget(target.pathAndQuery),
      user: access.user,
      groups: access.groups,
      ...(Object.keys(access.extra).length > 0 ? { extra: access.extra } : {}),
      rule: access.rule,
      issuedAt: now,
      expiresAt: now + this.deps.decisionLifetimeSeconds,
    });
    const head: KubeRequestHead = {
      kind: 'kube-request',
      requestId,
      method,
      pathAndQuery: target.pathAndQuery,
      headers,
      decision,
      clientAddress: req.socket.remoteAddress ?? '',
    };
    return { ok: true, cluster: target.cluster, head };
  }
}

const agentOffline = (cluster: string) =>
  statusFailure(503, 'ServiceUnavailable', `the Tether agent of cluster "${cluster}" is not connected`);
const agentBroken = (cluster: string) =>
  statusFailure(
    502,
    'InternalError',
    `the Tether agent of cluster "${cluster}" closed the request without an answer`,
  );
