import type { Provider } from '@nestjs/common';
import type { AuditSink } from '@tether/audit';
import type { BrokerConfig } from '@tether/config';
import { DecisionSigner, publicJwkOf } from '@tether/decision';
import type { Logger } from 'pino';
import { ActiveGrants } from '../access-requests/active-grants';
import { AuditObserver } from '../audit/audit-observer';
import { AUDIT_SINK, BROKER_INSTANCE } from '../audit/audit.providers';
import { SessionTokens } from '../auth/session-tokens';
import { ROOT_LOGGER } from '../broker-core.providers';
import { BROKER_CONFIG } from '../broker-config.provider';
import { ClusterRegistry } from '../clusters/cluster-registry';
import { AgentAuthenticator } from '../enrollment/agent-authenticator';
import type { EnrollmentStore } from '../enrollment/enrollment-store';
import { ENROLLMENT_STORE } from '../enrollment/enrollment-store.provider';
import { BrokerPolicy } from '../policy/broker-policy';
import { decideAccess } from '../policy/policy-access';
import { TunnelGateway } from '../tunnel-gateway/tunnel-gateway';
import { BrokerTelemetry } from '../telemetry/broker-telemetry';
import { grantsForDecision } from './grants-for-decision';
import { KubeProxy } from './kube-proxy';

export const kubeAccessProviders: Provider[] = [
  {
    provide: TunnelGateway,
    useFactory: (clusters: ClusterRegistry, store: EnrollmentStore, signer: DecisionSigner, logger: Logger) =>
      new TunnelGateway(
        clusters,
        new AgentAuthenticator(store, clusters),
        () => [publicJwkOf(signer.currentKey)],
        logger,
      ),
    inject: [ClusterRegistry, ENROLLMENT_STORE, DecisionSigner, ROOT_LOGGER],
  },
  {
    provide: KubeProxy,
    useFactory: (
      config: BrokerConfig,
      policy: BrokerPolicy,
      clusters: ClusterRegistry,
      sessions: SessionTokens,
      signer: DecisionSigner,
      gateway: TunnelGateway,
      logger: Logger,
      grants: ActiveGrants,
      telemetry: BrokerTelemetry,
      audit: AuditSink,
      instance: string,
    ) =>
      new KubeProxy({
        authenticate: (token) => sessions.verify(token),
        decide: async (who, cluster, attributes, requestLogger) =>
          decideAccess(
            policy,
            who,
            clusters.get(cluster) ?? { name: cluster, labels: {} },
            attributes,
            await grantsForDecision(grants, who.username, requestLogger),
          ),
        transport: gateway,
        signer,
        decisionLifetimeSeconds: config.DECISION_LIFETIME_SECONDS,
        logger,
        observers: [
          new AuditObserver(audit, { brokerInstance: instance, topic: config.KAFKA_TOPIC }),
          telemetry.kubeRequestObserver(gateway, clusters),
        ],
      }),
    inject: [
      BROKER_CONFIG,
      BrokerPolicy,
      ClusterRegistry,
      SessionTokens,
      DecisionSigner,
      TunnelGateway,
      ROOT_LOGGER,
      ActiveGrants,
      BrokerTelemetry,
      AUDIT_SINK,
      BROKER_INSTANCE,
    ],
  },
];
