import { request } from 'node:https';

/**
 * A join token for one of the stack's clusters, as an admin gets it with `tether cluster add`: the
 * cluster is added on the first start, and given a fresh token (`rotate`) on later starts, so an agent
 * whose stored credential has expired can join again.
 */
export async function joinTokenFor(
  brokerUrl: string,
  caPem: string,
  adminToken: string,
  cluster: string,
): Promise<string> {
  const added = await post(brokerUrl, caPem, adminToken, '/api/clusters', { name: cluster });
  if (added.status === 201) return tokenOf(added.body, cluster);
  if (added.status !== 409)
    throw new Error(`could not add cluster ${cluster} (HTTP ${added.status}): ${added.text}`);
  const rotated = await post(brokerUrl, caPem, adminToken, `/api/clusters/${cluster}/rotate`, {});
  if (rotated.status !== 200)
    throw new Error(`could not get a join token for ${cluster} (HTTP ${rotated.status}): ${rotated.text}`);
  return tokenOf(rotated.body, cluster);
}

function tokenOf(body: unknown, cluster: string): string {
  const token = (body as { joinToken?: unknown } | undefined)?.joinToken;
  if (typeof token !== 'string') throw new Error(`the broker sent no join token for ${cluster}`);
  return token;
}

function post(
  brokerUrl: string,
  caPem: string,
  bearer: string,
  path: string,
  body: object,
): Promise<{ status: number; body: unknown; text: string }> {
  const payload = Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(path, brokerUrl),
      {
        method: 'POST',
        ca: caPem,
        agent: false,
        timeout: 10_000,
        headers: {
          authorization: `Bearer ${bearer}`,
          'content-type': 'application/json',
          'content-length': String(payload.length),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown;
          try {
            parsed = JSON.parse(text);
          } catch {
            parsed = undefined;
          }
          resolve({ status: res.statusCode ?? 0, body: parsed, text: text.slice(0, 300) });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer from ${brokerUrl}${path}`)));
    req.on('error', reject);
    req.end(payload);
  });
}
