import { request } from 'node:https';
import type { StoredCredential } from './credential-store';

/** The broker refused the token (a JSON problem with `error`); retrying the same call will not help. */
export class EnrollmentRefusedError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'EnrollmentRefusedError';
  }
}

const MAX_BODY = 64 * 1024;

/** The broker's agent endpoints: join with a join token, rotate with the current credential. */
export class EnrollmentClient {
  constructor(
    private readonly brokerUrl: string,
    private readonly ca: Buffer | undefined,
    private readonly timeoutMs = 10_000,
  ) {}

  join(joinToken: string, cluster: string): Promise<StoredCredential> {
    return this.post('/api/agents/join', joinToken, { cluster });
  }

  rotate(credential: string): Promise<StoredCredential> {
    return this.post('/api/agents/credential/rotate', credential, {});
  }

  private post(path: string, bearer: string, body: object): Promise<StoredCredential> {
    const url = new URL(`${this.brokerUrl.replace(/\/$/, '')}${path}`);
    const payload = Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const req = request(
        url,
        {
          method: 'POST',
          headers: {
            authorization: `Bearer ${bearer}`,
            'content-type': 'application/json',
            'content-length': String(payload.length),
            accept: 'application/json',
          },
          ...(this.ca ? { ca: this.ca } : {}),
          agent: false,
          timeout: this.timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size <= MAX_BODY) chunks.push(chunk);
          });
          res.on('error', reject);
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            const parsed = parseJson(Buffer.concat(chunks).toString('utf8'));
            if (status >= 200 && status < 300) {
              const grant = parsed as Partial<StoredCredential> | undefined;
              if (
                typeof grant?.credential !== 'string' ||
                typeof grant.cluster !== 'string' ||
                typeof grant.issuedAt !== 'string' ||
                typeof grant.expiresAt !== 'string'
              ) {
                reject(new Error(`${url.origin}${path} answered ${status} without a credential`));
                return;
              }
              resolve({
                credential: grant.credential,
                cluster: grant.cluster,
                issuedAt: grant.issuedAt,
                expiresAt: grant.expiresAt,
              });
              return;
            }
            const problem = (parsed ?? {}) as { error?: unknown; error_description?: unknown };
            const code = typeof problem.error === 'string' ? problem.error : `http_${status}`;
            const message =
              typeof problem.error_description === 'string' ? problem.error_description : `HTTP ${status}`;
            // 4xx with a problem is the broker's answer; 429, 5xx and anything else may pass.
            if (status >= 400 && status < 500 && status !== 429 && typeof problem.error === 'string')
              reject(new EnrollmentRefusedError(status, code, message));
            else reject(new Error(`${url.origin}${path} failed: ${message}`));
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer from ${url.origin} in ${this.timeoutMs} ms`)));
      req.on('error', reject);
      req.end(payload);
    });
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
