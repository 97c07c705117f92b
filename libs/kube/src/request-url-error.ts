export type RequestUrlErrorCode =
  /** The request target cannot be parsed (bad percent escape, control byte, not UTF-8): Go's HTTP server answers 400. */
  | 'MALFORMED_URL'
  /** `/api/v1/watch` or `/api/v1/proxy` with nothing after the verb: the API server answers 500. */
  | 'MISSING_RESOURCE';

/** Thrown by `requestAttributesFromUrl` when the real API server would refuse the URL before authorizing it. */
export class RequestUrlError extends Error {
  override readonly name = 'RequestUrlError';

  constructor(
    readonly code: RequestUrlErrorCode,
    message: string,
  ) {
    super(message);
  }
}
