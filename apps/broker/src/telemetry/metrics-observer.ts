import type {
  KubeRequestObserver,
  KubeRequestOutcome,
  KubeRequestSummary,
} from '../kube-proxy/kube-request-observer';
import type { BrokerMetrics } from './broker-metrics';

/**
 * Counts every kube request once it finished. The cluster label comes from the URL, which anyone can
 * write: only a cluster the broker serves becomes a label value, so no caller can grow the series.
 */
export class MetricsObserver implements KubeRequestObserver {
  constructor(
    private readonly metrics: BrokerMetrics,
    private readonly isRegistered: (cluster: string) => boolean,
  ) {}

  finished(request: KubeRequestSummary, outcome: KubeRequestOutcome): void {
    const cluster =
      request.cluster !== undefined && this.isRegistered(request.cluster) ? request.cluster : '';
    this.metrics.request(cluster, request.attributes?.verb ?? '', outcome.status, outcome.durationMs / 1000);
    if (request.access) this.metrics.decision(cluster, request.access.allowed);
  }
}
