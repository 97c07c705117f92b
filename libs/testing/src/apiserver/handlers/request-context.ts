import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestAttributes } from '@tether/kube';
import type { ObjectStore } from '../object-store.js';
import type { RbacAuthorizer, UserInfo } from '../rbac/index.js';
import type { ResourceType } from '../resource-catalog.js';

/** What every handler gets once a request is authenticated, impersonated and authorized. */
export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  attrs: RequestAttributes;
  query: URLSearchParams;
  /** The effective (impersonated) user. */
  user: UserInfo;
}

export interface ResourceRequest extends RequestContext {
  type: ResourceType;
}

/** The parts of the server handlers share. */
export interface ServerParts {
  store: ObjectStore;
  authorizer: RbacAuthorizer;
  serverAddress: string;
  bookmarkIntervalMs: number;
  logIntervalMs: number;
  /** Registers a long-running stream so `close()` can end it; returns a function to unregister it. */
  trackStream(stop: () => void): () => void;
  /** Aborted when the server closes. */
  closing: AbortSignal;
}
