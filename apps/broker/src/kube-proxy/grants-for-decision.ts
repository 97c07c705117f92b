import type { ActiveGrant } from '@tether/policy';
import type { Logger } from 'pino';
import type { ActiveGrants } from '../access-requests/active-grants';

/**
 * The person's just-in-time grants for one decision. Without the database nobody's grants count, and
 * the policy's standing rules still apply; the failure goes on the request's own log line.
 */
export async function grantsForDecision(
  grants: ActiveGrants,
  username: string,
  requestLogger: Logger,
): Promise<ActiveGrant[]> {
  try {
    return await grants.for(username);
  } catch (error) {
    requestLogger.error(
      { err: error, user: username },
      'could not read access grants; deciding without them',
    );
    return [];
  }
}
