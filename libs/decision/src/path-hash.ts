import { createHash } from 'node:crypto';

/** Binds a decision to one request target: the path and query exactly as the agent will send them. */
export function hashRequestTarget(pathAndQuery: string): string {
  return createHash('sha256').update(pathAndQuery, 'utf8').digest('base64url');
}
