import { DecisionKeySet, type DecisionPublicJwk } from '@tether/decision';
import { type KubeRequestHead, statusFailure, type TunnelStreamHead } from '@tether/kube';
import type { TunnelStream } from '@tether/tunnel';
import type { Logger } from 'pino';
import { type KubeReplayer, respondWithStatus } from '../replay/kube-replayer';

/** Routes each stream the broker opens by its head: decision keys, or a kube request to replay. */
export class StreamDispatcher {
  constructor(
    private readonly keys: DecisionKeySet,
    private readonly replayer: KubeReplayer,
    private readonly logger: Logger,
  ) {}

  dispatch(stream: TunnelStream): void {
    const head = stream.head as unknown as Partial<TunnelStreamHead>;
    if (head.kind === 'decision-keys') {
      this.acceptKeys(head.keys ?? [], stream);
      return;
    }
    if (head.kind === 'kube-request' && isKubeRequestHead(head)) {
      this.replayer.replay(head, stream).catch((error: unknown) => {
        this.logger.error({ err: (error as Error).message, requestId: head.requestId }, 'replay failed');
        if (!stream.destroyed)
          respondWithStatus(
            stream,
            statusFailure(500, 'InternalError', 'tether agent failed to replay the request'),
          );
      });
      return;
    }
    this.logger.warn({ kind: head.kind }, 'unknown stream from the broker');
    stream.reset('unknown stream kind', 'REFUSED');
  }

  private acceptKeys(keys: unknown[], stream: TunnelStream): void {
    try {
      this.keys.replace(keys as DecisionPublicJwk[]);
      this.logger.info({ keys: this.keys.size }, 'decision keys updated');
    } catch (error) {
      this.logger.error(
        { err: (error as Error).message },
        'broker sent unusable decision keys; keeping the old ones',
      );
    }
    stream.resume();
    stream.end();
  }
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
