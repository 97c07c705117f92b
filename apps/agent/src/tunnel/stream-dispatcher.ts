import { DecisionKeySet, type DecisionPublicJwk } from '@tether/decision';
import type { KubeRequestHead, TunnelStreamHead } from '@tether/kube';
import type { TunnelSession, TunnelStream } from '@tether/tunnel';
import type { Logger } from 'pino';
import type { KubeReplayer } from '../replay/kube-replayer';

/** More replicas than any deployment runs: a longer list is refused as garbage. */
const MAX_REPLICAS = 64;

/**
 * Routes each stream a broker opens by its head: decision keys, the broker replica set, or a kube
 * request to replay. With a tunnel to every replica each may sign with its own key, so the trusted
 * keys are those of every connected tunnel, and a tunnel's keys go when it closes.
 */
export class StreamDispatcher {
  private readonly keysBySession = new Map<TunnelSession, DecisionPublicJwk[]>();

  constructor(
    private readonly keys: DecisionKeySet,
    private readonly replayer: KubeReplayer,
    private readonly logger: Logger,
    private readonly onReplicas: (urls: string[]) => void = () => {},
  ) {}

  dispatch(stream: TunnelStream, session: TunnelSession): void {
    const head = stream.head as unknown as Partial<TunnelStreamHead>;
    if (head.kind === 'decision-keys') {
      this.acceptKeys(head.keys ?? [], stream, session);
      return;
    }
    if (head.kind === 'broker-replicas') {
      this.acceptReplicas(head.replicas, stream);
      return;
    }
    if (head.kind === 'kube-request' && isKubeRequestHead(head)) {
      void this.replayer.replay(head, stream);
      return;
    }
    this.logger.warn({ kind: head.kind }, 'unknown stream from the broker');
    stream.reset('unknown stream kind', 'REFUSED');
  }

  private acceptKeys(keys: unknown[], stream: TunnelStream, session: TunnelSession): void {
    stream.resume();
    stream.end();
    try {
      new DecisionKeySet(keys as DecisionPublicJwk[]); // throws on a key that is not an Ed25519 JWK
    } catch (error) {
      this.logger.error(
        { err: (error as Error).message },
        'broker sent unusable decision keys; keeping the old ones',
      );
      return;
    }
    if (!this.keysBySession.has(session))
      session.once('close', () => {
        this.keysBySession.delete(session);
        this.applyKeys();
      });
    this.keysBySession.set(session, keys as DecisionPublicJwk[]);
    this.applyKeys();
    this.logger.info({ keys: this.keys.size }, 'decision keys updated');
  }

  private applyKeys(): void {
    const byId = new Map<string, DecisionPublicJwk>();
    for (const keys of this.keysBySession.values()) for (const key of keys) byId.set(key.kid, key);
    this.keys.replace([...byId.values()]);
  }

  private acceptReplicas(replicas: unknown, stream: TunnelStream): void {
    stream.resume();
    stream.end();
    const urls = replicaUrls(replicas);
    if (urls === undefined) {
      this.logger.warn('broker sent an unusable replica set; keeping the replicas known');
      return;
    }
    this.onReplicas(urls);
  }
}

function replicaUrls(replicas: unknown): string[] | undefined {
  if (!Array.isArray(replicas) || replicas.length === 0 || replicas.length > MAX_REPLICAS) return undefined;
  const urls: string[] = [];
  for (const replica of replicas) {
    const url = (replica as { url?: unknown } | null)?.url;
    if (typeof url !== 'string' || !URL.canParse(url) || new URL(url).protocol !== 'https:') return undefined;
    urls.push(url);
  }
  return urls;
}

function isKubeRequestHead(head: Partial<KubeRequestHead>): head is KubeRequestHead {
  return (
    typeof head.requestId === 'string' &&
    typeof head.method === 'string' &&
    typeof head.pathAndQuery === 'string' &&
    typeof head.clientAddress === 'string' &&
    Array.isArray(head.headers) &&
    head.headers.every(
      (line) => Array.isArray(line) && line.length === 2 && line.every((part) => typeof part === 'string'),
    )
  );
}
