import type { IncomingMessage, ServerResponse } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import {
  forbiddenStatus,
  requestAttributesFromUrl,
  RequestUrlError,
  statusFailure,
  unauthorizedStatus,
  type RequestAttributes,
  type Status,
} from '@tether/kube';
import { ApiError } from './api-error.js';
import type { TokenAuthenticator } from './authentication.js';
import { handleNonResource } from './handlers/non-resource-handler.js';
import {
  handlePodStreamRequest,
  handlePodStreamUpgrade,
  streamSubresources,
} from './handlers/pod-stream-handler.js';
import type { RequestContext, ResourceRequest, ServerParts } from './handlers/request-context.js';
import { handleResource } from './handlers/resource-handler.js';
import { handleReview } from './handlers/review-handler.js';
import { sendStatus } from './http-io.js';
import { impersonate, type UserInfo } from './rbac/index.js';
import type { RecordedRequest, RequestRecorder } from './request-recorder.js';
import { findByResource, type ResourceType } from './resource-catalog.js';

type Admission = { ok: true; attrs: RequestAttributes; user: UserInfo } | { ok: false; status: Status };

/**
 * The API server's handler chain: request info → authentication → impersonation → authorization →
 * routing. Every failure is a Status body; nothing a client sends can crash the server.
 */
export class Router {
  constructor(
    private readonly parts: ServerParts,
    private readonly authenticator: TokenAuthenticator,
    private readonly recorder: RequestRecorder,
  ) {}

  handleRequest(req: IncomingMessage, res: ServerResponse): void {
    const record = this.recorder.start(req);
    res.on('finish', () => (record.statusCode = res.statusCode));
    res.on('close', () => (record.statusCode ||= res.statusCode));
    void this.serve(req, res, record).catch((error: unknown) => {
      if (!res.headersSent) sendStatus(res, statusOf(error));
      else res.destroy();
    });
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const record = this.recorder.start(req);
    socket.on('error', () => socket.destroy());
    try {
      const admission = this.admit(req, record);
      if (!admission.ok) return refuseUpgrade(socket, admission.status, record);
      const { attrs, user } = admission;
      const type = attrs.isResourceRequest ? this.resourceType(attrs) : undefined;
      if (!type || type.resource !== 'pods' || !streamSubresources.has(attrs.subresource)) {
        throw ApiError.badRequest(
          `upgrade requests are only served for pods/exec, pods/attach and pods/portforward`,
        );
      }
      const query = new URL(req.url ?? '/', 'https://simulator').searchParams;
      handlePodStreamUpgrade({ req, attrs, query, user, type }, socket, head, this.parts);
      record.statusCode = 101;
    } catch (error) {
      refuseUpgrade(socket, statusOf(error), record);
    }
  }

  private async serve(req: IncomingMessage, res: ServerResponse, record: RecordedRequest): Promise<void> {
    const admission = this.admit(req, record);
    if (!admission.ok) return sendStatus(res, admission.status);
    const { attrs, user } = admission;
    const query = new URL(req.url ?? '/', 'https://simulator').searchParams;
    const context: RequestContext = { req, res, attrs, query, user };
    if (!attrs.isResourceRequest) return handleNonResource(context, this.parts);
    const type = this.resourceType(attrs);
    if (!type) throw ApiError.pathNotFound();
    const request: ResourceRequest = { ...context, type };
    if (type.resource === 'pods' && type.group === '' && streamSubresources.has(attrs.subresource)) {
      return handlePodStreamRequest(request, this.parts);
    }
    if (!type.stored) return handleReview(request, this.parts);
    return handleResource(request, this.parts);
  }

  private admit(req: IncomingMessage, record: RecordedRequest): Admission {
    let attrs: RequestAttributes;
    try {
      attrs = requestAttributesFromUrl(req.method ?? 'GET', req.url ?? '/');
    } catch (error) {
      if (error instanceof RequestUrlError) {
        const code = error.code === 'MALFORMED_URL' ? 400 : 500;
        return {
          ok: false,
          status: statusFailure(code, code === 400 ? 'BadRequest' : 'InternalError', error.message),
        };
      }
      throw error;
    }
    record.verb = attrs.verb;
    const authentication = this.authenticator.authenticate(req.headers);
    if (authentication.kind === 'unauthorized') {
      record.decision = 'unauthenticated';
      return { ok: false, status: unauthorizedStatus() };
    }
    record.authenticatedUser = authentication.user;
    const impersonation = impersonate(authentication.user, req.headersDistinct, this.parts.authorizer);
    if (!impersonation.ok) {
      record.decision = impersonation.status.code === 403 ? 'forbidden' : 'rejected';
      return { ok: false, status: impersonation.status };
    }
    const user = impersonation.user;
    record.effectiveUser = user;
    const decision = this.parts.authorizer.authorize(user, attrs);
    if (!decision.allowed) {
      record.decision = 'forbidden';
      return { ok: false, status: forbiddenStatus(attrs, user.username, decision.reason) };
    }
    record.decision = 'allowed';
    return { ok: true, attrs, user };
  }

  /** The catalog entry for a resource URL, or undefined when the path names nothing served. */
  private resourceType(attrs: RequestAttributes): ResourceType | undefined {
    const type = findByResource(attrs.apiGroup, attrs.apiVersion, attrs.resource);
    if (!type) return undefined;
    const isNamespaceItself = type.resource === 'namespaces' && type.group === '';
    if (type.namespaced && attrs.namespace === '' && attrs.verb !== 'list' && attrs.verb !== 'watch')
      return undefined;
    if (!type.namespaced && attrs.namespace !== '' && !isNamespaceItself) return undefined;
    return type;
  }
}

function statusOf(error: unknown): Status {
  if (error instanceof ApiError) return error.status;
  const message = error instanceof Error ? error.message : String(error);
  return statusFailure(500, 'InternalError', `Internal error occurred: ${message}`);
}

/** Answers a refused upgrade with a Status body and closes the connection (CVE-2018-1002105). */
function refuseUpgrade(socket: Duplex, status: Status, record: RecordedRequest): void {
  record.statusCode = status.code;
  if (status.code === 403) record.decision = 'forbidden';
  const body = JSON.stringify(status);
  socket.end(
    `HTTP/1.1 ${status.code} ${STATUS_CODES[status.code] ?? 'Error'}\r\n` +
      'Content-Type: application/json\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  );
}
