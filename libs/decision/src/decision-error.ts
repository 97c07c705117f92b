export type DecisionErrorCode =
  | 'DECISION_MISSING'
  | 'DECISION_MALFORMED'
  | 'DECISION_UNKNOWN_KEY'
  | 'DECISION_BAD_SIGNATURE'
  | 'DECISION_EXPIRED'
  | 'DECISION_NOT_YET_VALID'
  | 'DECISION_WRONG_CLUSTER'
  | 'DECISION_WRONG_METHOD'
  | 'DECISION_WRONG_PATH'
  | 'DECISION_REPLAYED'
  | 'DECISION_REPLAY_CACHE_FULL'
  | 'DECISION_UNSAFE_IDENTITY';

/** Why an agent refused to act on a request. The message is safe to show to the kubectl user. */
export class DecisionError extends Error {
  constructor(
    readonly code: DecisionErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'DecisionError';
  }
}
