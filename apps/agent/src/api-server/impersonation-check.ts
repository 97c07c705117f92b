import { request } from 'node:https';
import type { ApiServerConnection } from './api-server-connection';

/** Asks the API server (SelfSubjectAccessReview) whether the agent's own identity may impersonate users. */
export async function checkImpersonationAllowed(
  apiServer: ApiServerConnection,
): Promise<{ allowed: boolean; reason: string }> {
  const body = JSON.stringify({
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SelfSubjectAccessReview',
    spec: { resourceAttributes: { verb: 'impersonate', resource: 'users', group: '' } },
  });
  const authorization = await apiServer.authorizationHeader();
  return new Promise((resolve) => {
    const req = request(
      {
        protocol: 'https:',
        hostname: apiServer.url.hostname,
        port: apiServer.url.port || 443,
        method: 'POST',
        path: '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
        agent: apiServer.agent,
        headers: {
          'Content-Type': 'application/json',
          ...(authorization ? { Authorization: authorization } : {}),
        },
      },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => {
          try {
            const review = JSON.parse(text) as { status?: { allowed?: boolean; reason?: string } };
            const allowed = res.statusCode === 201 && review.status?.allowed === true;
            resolve({ allowed, reason: allowed ? '' : (review.status?.reason ?? `HTTP ${res.statusCode}`) });
          } catch {
            resolve({ allowed: false, reason: `unexpected answer (HTTP ${res.statusCode})` });
          }
        });
      },
    );
    req.on('error', (error) => resolve({ allowed: false, reason: error.message }));
    req.end(body);
  });
}
