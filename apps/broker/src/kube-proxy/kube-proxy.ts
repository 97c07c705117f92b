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
import type { KubeRequestObserver, KubeRequestSummary } from './kube-request-observer';
import { type KubeRequestSpans, traceKubeRequest } from './kube-request-trace';
import { KubeRequestTracker } from './kube-request-tracker';
import { writeStatus, writeStatusToSocket } from './kube-status-writer';
import type { RequestAttributes } from '@tether/kube';

/** How the proxy reaches clusters: the tunnel gateway in production, anything Duplex in tests. */
export interface ClusterTransport {
  isRegistered(cluster: string): boolean;
  /**
   * A new stream to the cluster's agent, or undefined when no agent is connected. Throws when the
   * tunnel refuses the stream (it is shutting down, the head does not fit a frame).
   */
  openStream(cluster: string, head: KubeRequestHead): Duplex | undefined;
}

export interface KubeProxyDependencies {
  authenticate: (token: string | undefined) => Promise<SessionIdentity>;
  /** `logger` is the request's: what deciding logs carries its request id and trace id. */
  decide: (
    who: SessionIdentity,
    cluster: string,
    attributes: RequestAttributes,
    logger: Logger,
  ) => AccessDecision | Promise<AccessDecision>;
  transport: ClusterTransport;
  signer: DecisionSigner;
  decisionLifetimeSeconds: number;
  logger: Logger;
  /** Audit and metrics: each sees every request once. */
  observers?: readonly KubeRequestObserver[];
}

type Prepared =
  | { ok: true; cluster: string; head: KubeRequestHead; tracker: KubeRequestTracker }
  | { ok: false; status: Status; tracker: KubeRequestTracker };
type Decided = Extract<Prepared, { ok: true }>;

/**
 * The kubectl path at the broker: read the target once, authenticate, strip client identity, derive
 * attributes, decide, sign, and hand the request to the cluster's agent. Every refusal is a Status,
 * and every request, refused or not, reaches the observers once.
 */
export class KubeProxy {
  private readonly observers: readonly KubeRequestObserver[];

  constructor(private readonly deps: KubeProxyDependencies) {
    this.observers = deps.observers ?? [];
  }

  async handleRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const prepared = await this.prepare(req, false);
    const { tracker } = prepared;
    if (!prepared.ok) return this.refuse(tracker, prepared.status, (status) => writeStatus(res, status));
    const stream = this.openStream(prepared);
    if (!stream)
      return this.refuse(tracker, agentOffline(prepared.cluster), (status) => writeStatus(res, status));
    res.on('close', () => {
      if (!res.writableFinished) stream.destroy();
      tracker.finish();
    });
    req.on('data', tracker.countFromClient);
    req.pipe(stream);
    awaitResponseHead(
      stream,
      (head, firstBodyBytes) => {
        tracker.responseStarted(head.status);
        res.writeHead(head.status, head.statusMessage, head.headers.flat());
        // Body bytes that came with the head carry the headers out in the same write; otherwise flush so a
        // watch shows its headers before its first event.
        if (firstBodyBytes.length > 0) {
          tracker.countToClient(firstBodyBytes);
          res.write(firstBodyBytes);
        } else res.flushHeaders();
        stream.on('data', tracker.countToClient);
        stream.pipe(res);
      },
      () => this.refuse(tracker, agentBroken(prepared.cluster), (status) => writeStatus(res, status)),
    );
    stream.on('error', (error) => {
      tracker.logger.warn({ err: error.message }, 'tunnel stream failed');
      if (!res.headersSent)
        this.refuse(tracker, agentOffline(prepared.cluster), (status) => writeStatus(res, status));
      else res.destroy();
    });
    stream.on('end', () => {
      if (!res.headersSent)
        this.refuse(tracker, agentBroken(prepared.cluster), (status) => writeStatus(res, status));
    });
  }

  async handleUpgrade(req: IncomingMessage, socket: Duplex, upgradeHead: Buffer): Promise<void> {
    const prepared = await this.prepare(req, true);
    const { tracker } = prepared;
    const refuseOnSocket = (status: Status) => writeStatusToSocket(socket, status);
    if (!prepared.ok) return this.refuse(tracker, prepared.status, refuseOnSocket);
    const stream = this.openStream(prepared);
    if (!stream) return this.refuse(tracker, agentOffline(prepared.cluster), refuseOnSocket);
    if (upgradeHead.length > 0) {
      tracker.countFromClient(upgradeHead);
      stream.write(upgradeHead);
    }
    awaitResponseHead(
      stream,
      ({ status, statusMessage, headers }, firstBodyBytes) => {
        tracker.responseStarted(status);
        const lines = headers.map(([name, value]) => `${name}: ${value}\r\n`).join('');
        socket.write(`HTTP/1.1 ${status} ${statusMessage ?? ''}\r\n${lines}\r\n`);
        if (firstBodyBytes.length > 0) {
          tracker.countToClient(firstBodyBytes);
          socket.write(firstBodyBytes);
        }
        stream.on('data', tracker.countToClient);
        stream.pipe(socket);
        // Only a switched connection carries client bytes on; a refused upgrade ends with its response.
        if (status === 101) {
          socket.on('data', tracker.countFromClient);
          socket.pipe(stream);
        }
      },
      () => this.refuse(tracker, agentBroken(prepared.cluster), refuseOnSocket),
    );
    const closeBoth = () => {
      stream.destroy();
      socket.destroy();
    };
    socket.on('error', closeBoth);
    socket.on('close', () => {
      stream.destroy();
      tracker.finish();
    });
    stream.on('error', () => {
      if (socket.writable) socket.destroy();
    });
    stream.on('end', () => socket.end());
  }

  private refuse(tracker: KubeRequestTracker, status: Status, write: (status: Status) => void): void {
    tracker.refused(status);
    write(status);
  }

  private openStream({ cluster, head, tracker }: Decided): Duplex | undefined {
    try {
      return this.deps.transport.openStream(cluster, head);
    } catch (error) {
      tracker.logger.warn({ err: (error as Error).message }, 'could not open a tunnel stream');
      return undefined;
    }
  }

  private async prepare(req: IncomingMessage, isUpgrade: boolean): Promise<Prepared> {
    const summary: KubeRequestSummary = {
      requestId: randomUUID(),
      receivedAt: new Date(),
      method: (req.method ?? 'GET').toUpperCase(),
      requestUri: req.url ?? '',
      sourceIp: req.socket.remoteAddress ?? '',
      ...(typeof req.headers['user-agent'] === 'string' ? { userAgent: req.headers['user-agent'] } : {}),
      upgrade: isUpgrade,
    };
    const spans = traceKubeRequest(summary);
    const observers = spans.observer ? [...this.observers, spans.observer] : this.observers;
    const tracker = new KubeRequestTracker(summary, observers, this.deps.logger);
    try {
      return await this.decide(req, isUpgrade, tracker, spans);
    } catch (error) {
      // A dependency that failed (the session database, say): answered and audited like any refusal.
      tracker.logger.error({ err: error }, 'kube request failed');
      return {
        ok: false,
        status: statusFailure(500, 'InternalError', 'the broker could not handle the request; try again'),
        tracker,
      };
    }
  }

  /** Everything from the URL to the signed head; refusals are typed, anything else throws. */
  private async decide(
    req: IncomingMessage,
    isUpgrade: boolean,
    tracker: KubeRequestTracker,
    spans: KubeRequestSpans,
  ): Promise<Prepared> {
    const { summary } = tracker;
    const refuse = (status: Status): Prepared => ({ ok: false, status, tracker });
    const { requestId, method } = summary;
    let target;
    try {
      target = parseProxyTarget(req.url ?? '');
    } catch (error) {
      if (error instanceof ProxyTargetError) return refuse(statusFailure(400, 'BadRequest', error.message));
      throw error;
    }
    summary.cluster = target.cluster;
    summary.requestUri = target.pathAndQuery;
    // Authenticate first: which clusters exist is not for anonymous callers to learn.
    let who: SessionIdentity;
    try {
      who = await spans.step('authenticate', () =>
        this.deps.authenticate(bearerToken(req.headers.authorization)),
      );
    } catch (error) {
      if (error instanceof SessionTokenError) return refuse(unauthorizedStatus());
      throw error;
    }
    summary.who = who;
    if (!this.deps.transport.isRegistered(target.cluster)) {
      return refuse(
        statusFailure(404, 'NotFound', `cluster "${target.cluster}" is not registered with Tether`),
      );
    }
    let headers;
    try {
      const sanitized = sanitizeClientHeaders(headerLinesFromRaw(req.rawHeaders));
      if (isUpgrade !== (sanitized.upgrade !== undefined)) {
        return refuse(statusFailure(400, 'BadRequest', 'upgrade request without a matching Upgrade header'));
      }
      headers = sanitized.headers;
    } catch (error) {
      if (error instanceof HeaderRejectedError)
        return refuse(statusFailure(400, 'BadRequest', error.message));
      throw error;
    }
    let attributes: RequestAttributes;
    try {
      attributes = kubeRequestAttributes(method, target.pathAndQuery);
    } catch (error) {
      if (error instanceof RequestUrlError) return refuse(statusFailure(400, 'BadRequest', error.message));
      throw error;
    }
    summary.attributes = attributes;
    const access = await spans.step('policy decision', () =>
      this.deps.decide(who, target.cluster, attributes, tracker.logger),
    );
    summary.access = access;
    if (!access.allowed) {
      tracker.logger.info(
        {
          user: who.username,
          cluster: target.cluster,
          verb: attributes.verb,
          reason: access.reason,
        },
        'denied',
      );
      return refuse(forbiddenStatus(attributes, who.username, access.reason));
    }
    const admission = tracker.admit();
    if (admission) return refuse(admission);
    const now = Math.floor(Date.now() / 1000);
    const decision = spans.step('sign decision', () =>
      this.deps.signer.sign({
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
      }),
    );
    const head: KubeRequestHead = {
      kind: 'kube-request',
      requestId,
      method,
      pathAndQuery: target.pathAndQuery,
      headers,
      decision,
      clientAddress: summary.sourceIp,
    };
    spans.tunnelHop(target.cluster, head);
    return { ok: true, cluster: target.cluster, head, tracker };
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
