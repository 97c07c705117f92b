import type { AccessRequestView } from '../broker/access-api.js';
import { accessRequestRows, describeAccessRequest } from './access-request-text.js';

const pending: AccessRequestView = {
  id: '11111111-2222-3333-4444-555555555555',
  requester: 'bob@example.com',
  cluster: 'dev-west',
  role: 'deployer',
  reason: '',
  durationSeconds: 600,
  state: 'pending',
  createdAt: '2026-11-25T10:00:00.000Z',
  decidedBy: null,
  decidedAt: null,
  expiresAt: null,
  mayDecide: true,
};
const approved: AccessRequestView = {
  ...pending,
  role: 'break-glass',
  reason: 'INC-7',
  state: 'approved',
  decidedBy: 'bob@example.com',
  decidedAt: '2026-11-25T10:00:00.000Z',
  expiresAt: '2026-11-25T10:30:00.000Z',
  mayDecide: false,
};

describe('access request output', () => {
  it('says who approved what, where and until when', () => {
    expect(describeAccessRequest(approved)).toBe(
      `Request ${approved.id} approved by bob@example.com: role break-glass on dev-west for bob@example.com until 2026-11-25T10:30:00.000Z`,
    );
    expect(describeAccessRequest(pending)).toBe(
      `Request ${pending.id} is pending approval: role deployer on dev-west for bob@example.com for 600s`,
    );
  });

  it('marks requests the reader may decide on, and shows how long a grant has left', () => {
    const now = Date.parse('2026-11-25T10:10:00.000Z');
    expect(accessRequestRows([pending, approved], now)).toEqual([
      [pending.id, 'bob@example.com', 'dev-west', 'deployer', 'pending (you may decide)', '-', '-'],
      [approved.id, 'bob@example.com', 'dev-west', 'break-glass', 'approved', 'in 20m', 'INC-7'],
    ]);
  });
});
