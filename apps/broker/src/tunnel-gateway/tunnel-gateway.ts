import type { Duplex } from 'node:stream';
import { type DecisionPublicJwk } from '@tether/decision';
import type { BrokerReplicasHead, DecisionKeysHead, KubeRequestHead } from '@tether/kube';
import { TunnelAuthError, TunnelServer, type TunnelSession } from '@tether/tunnel';
import type { Logger } from 'pino';
import { bearerToken } from '../auth/bearer-token';
import type { ClusterRegistry } from '../clusters/cluster-registry';
import type { AgentAuthenticator } from '../enrollment/agent-authenticator';
import { EnrollmentError } from '../enrollment/enrollment.errors';
import type { ClusterTransport } from '../kube-proxy/kube-proxy';

/** A broker replica as agents learn it: where to dial it. */
export interface AnnouncedReplica {
  id: string;
  url: string;
}

/**
 * Where agents dial in. An agent proves its cluster with its credential before any stream opens;
 * on connect it receives the broker's public decision keys and, once the replica registry runs, the
 * broker replicas it should keep a tunnel to. Any replica with a tunnel from a cluster serves it.
 */
export class TunnelGateway implements ClusterTransport {
  readonly server: TunnelServer;
  private replicas: (() => readonly AnnouncedReplica[]) | undefined;

  constructor(
    private readonly clusters: ClusterRegistry,
    private readonly agents: AgentAuthenticator,
    private readonly decisionKeys: () => DecisionPublicJwk[],
    private readonly logger: Logger,
  ) {
    this.server = new TunnelServer({
      logger,
      authenticate: async (request) => {
        try {
          const agent = await this.agents.authenticate(bearerToken(request.headers.authorization));
          return { clusterName: agent.clusterName, credentialId: agent.credentialId };
        } catch (error) {
          if (error instanceof EnrollmentError) throw new TunnelAuthError(error.message, 401);
          throw error;
        }
      },
    });
    this.server.on('session', (session) => this.onSession(session));
    this.server.on('sessionClosed', (session, error) =>
      this.logger.info({ cluster: session.clusterName, reason: error.message }, 'agent disconnected'),
    );
  }

  isRegistered(cluster: string): boolean {
    return this.clusters.has(cluster);
  }

  /** Closes every tunnel of the cluster on this broker now (removal, revocation); how many there were. */
  closeTunnels(cluster: string, reason: string): number {
    const sessions = [...this.server.sessionsFor(cluster)];
    for (const session of sessions) session.close(reason);
    if (sessions.length > 0)
      this.logger.info({ cluster, sessions: sessions.length, reason }, 'closed agent tunnels');
    return sessions.length;
  }

  /** Live sessions that authenticated with an enrolled credential, for revocation checks. */
  credentialSessions(): Array<{ cluster: string; credentialId: string; close: (reason: string) => void }> {
    return this.server.clusterNames().flatMap((cluster) =>
      this.server.sessionsFor(cluster).flatMap((session) => {
        const credentialId = session.identity?.credentialId;
        return typeof credentialId === 'string'
          ? [{ cluster, credentialId, close: (reason: string) => session.close(reason) }]
          : [];
      }),
    );
  }

  /** Throws what the session throws: the kube proxy logs it on the request's own line. */
  openStream(cluster: string, head: KubeRequestHead): Duplex | undefined {
    return this.server.sessionFor(cluster)?.openStream(head);
  }

  /** Pushes the current public keys to every connected agent, e.g. after a rotation. */
  publishDecisionKeys(): void {
    for (const session of this.allSessions()) this.sendKeys(session);
  }

  /** From now on every agent that connects learns the replica set; `publishReplicas` after changes. */
  announceReplicas(source: () => readonly AnnouncedReplica[]): void {
    this.replicas = source;
    this.publishReplicas();
  }

  /** Pushes the replica set to every connected agent: they connect to new replicas, drop departed ones. */
  publishReplicas(): void {
    for (const session of this.allSessions()) this.sendReplicas(session);
  }

  private allSessions(): TunnelSession[] {
    return this.server.clusterNames().flatMap((cluster) => [...this.server.sessionsFor(cluster)]);
  }

  private onSession(session: TunnelSession): void {
    this.logger.info({ cluster: session.clusterName, agent: session.peerInfo }, 'agent connected');
    if (session.peerInfo.impersonationAllowed === false) {
      this.logger.error(
        { cluster: session.clusterName },
        'agent reports it may not impersonate on its cluster: requests will fail',
      );
    }
    this.sendKeys(session);
    this.sendReplicas(session);
  }

  private sendKeys(session: TunnelSession): void {
    const head: DecisionKeysHead = { kind: 'decision-keys', keys: this.decisionKeys() };
    this.send(session, head, 'could not send decision keys');
  }

  private sendReplicas(session: TunnelSession): void {
    if (!this.replicas) return;
    const replicas = this.replicas().map(({ id, url }) => ({ id, url }));
    const head: BrokerReplicasHead = { kind: 'broker-replicas', replicas };
    this.send(session, head, 'could not send the broker replica set');
  }

  private send(session: TunnelSession, head: DecisionKeysHead | BrokerReplicasHead, failure: string): void {
    try {
      session.openStream(head).end();
    } catch (error) {
      this.logger.warn({ cluster: session.clusterName, err: (error as Error).message }, failure);
    }
  }
}
