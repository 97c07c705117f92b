import { CliError } from '../errors/cli-error.js';
import type { BrokerClient } from './broker-client.js';

/** One just-in-time access request as the broker shows it (`/api/access-requests`). */
export interface AccessRequestView {
  id: string;
  requester: string;
  cluster: string;
  role: string;
  reason: string;
  durationSeconds: number;
  state: 'pending' | 'approved' | 'denied' | 'expired' | 'revoked';
  createdAt: string;
  decidedBy: string | null;
  decidedAt: string | null;
  expiresAt: string | null;
  mayDecide: boolean;
}

export type AccessDecisionAction = 'approve' | 'deny' | 'revoke';

/** The broker's access-request endpoints, typed for `tether access`. */
export class AccessApi {
  constructor(
    private readonly client: BrokerClient,
    private readonly accessToken: string,
  ) {}

  async request(input: {
    cluster: string;
    role: string;
    reason: string;
    duration: string;
  }): Promise<AccessRequestView> {
    return this.one(await this.client.postJson<unknown>('/api/access-requests', input, this.accessToken));
  }

  async list(): Promise<AccessRequestView[]> {
    const body = await this.client.getJson<{ requests?: unknown }>('/api/access-requests', this.accessToken);
    if (!Array.isArray(body.requests)) {
      throw new CliError('broker_error', `${this.client.broker}/api/access-requests did not return a list`);
    }
    return body.requests as AccessRequestView[];
  }

  async decide(id: string, action: AccessDecisionAction): Promise<AccessRequestView> {
    const path = `/api/access-requests/${encodeURIComponent(id)}/${action}`;
    return this.one(await this.client.postJson<unknown>(path, {}, this.accessToken));
  }

  private one(body: unknown): AccessRequestView {
    const request = (body as { request?: AccessRequestView } | undefined)?.request;
    if (typeof request?.id !== 'string') {
      throw new CliError('broker_error', `${this.client.broker} answered without an access request`);
    }
    return request;
  }
}
