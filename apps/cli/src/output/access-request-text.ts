import type { AccessRequestView } from '../broker/access-api.js';

/** One line about a request: its id, state and what it grants where, until when. */
export function describeAccessRequest(request: AccessRequestView): string {
  const what = `role ${request.role} on ${request.cluster} for ${request.requester}`;
  switch (request.state) {
    case 'approved':
      return `Request ${request.id} approved by ${request.decidedBy ?? '?'}: ${what} until ${request.expiresAt ?? '?'}`;
    case 'pending':
      return `Request ${request.id} is pending approval: ${what} for ${request.durationSeconds}s`;
    default:
      return `Request ${request.id} ${request.state}${request.decidedBy ? ` by ${request.decidedBy}` : ''}: ${what}`;
  }
}

/** Table rows for `tether access ls`. */
export function accessRequestRows(requests: readonly AccessRequestView[], nowMs: number): string[][] {
  return requests.map((request) => [
    request.id,
    request.requester,
    request.cluster,
    request.role,
    request.state === 'pending' && request.mayDecide ? 'pending (you may decide)' : request.state,
    request.state === 'approved' && request.expiresAt ? remaining(request.expiresAt, nowMs) : '-',
    request.reason || '-',
  ]);
}

function remaining(iso: string, nowMs: number): string {
  const seconds = Math.max(0, Math.round((Date.parse(iso) - nowMs) / 1000));
  if (seconds < 120) return `in ${seconds}s`;
  const minutes = Math.round(seconds / 60);
  return minutes < 120 ? `in ${minutes}m` : `in ${Math.round(minutes / 60)}h`;
}
