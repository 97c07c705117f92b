import { ApiError } from '../api-error.js';
import { readObjectBody, sendJson } from '../http-io.js';
import { answerReview } from '../reviews.js';
import type { ResourceRequest, ServerParts } from './request-context.js';

/** POSTs to the review kinds (kubectl sends them as protobuf): answered from the authorizer, never stored. */
export async function handleReview(request: ResourceRequest, parts: ServerParts): Promise<void> {
  if (request.attrs.verb !== 'create' || request.attrs.subresource !== '') throw ApiError.methodNotAllowed();
  const body = await readObjectBody(request.req, 'Object');
  if (body.kind !== undefined && body.kind !== request.type.kind) {
    throw ApiError.badRequest(
      `${String(body.kind)} in version "v1" cannot be handled as a ${request.type.kind}`,
    );
  }
  sendJson(request.res, 201, answerReview(request.type.kind, body, request.user, parts.authorizer));
}
