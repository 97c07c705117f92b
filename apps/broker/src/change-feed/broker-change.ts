/**
 * What one broker replica tells the others, so caches everywhere follow the shared database at once.
 * Each change names what to re-read, never the new state itself: receivers go back to the database.
 */
import { z } from 'zod';

const name = z.string().min(1).max(256);

const brokerChangeSchema = z.discriminatedUnion('type', [
  /** A session ended (logout, refresh-token reuse, IdP refusal): its access tokens stop working. */
  z.object({ type: z.literal('session-revoked'), sessionId: name }),
  /** A person's just-in-time grants changed: approved, denied, expired or revoked. */
  z.object({ type: z.literal('access-changed'), requester: name }),
  /** A cluster was enrolled: every replica learns it (its agent can connect, kubectl can reach it). */
  z.object({ type: z.literal('cluster-added'), cluster: name }),
  /** An enrolled cluster is gone: its tunnels close on every replica. */
  z.object({ type: z.literal('cluster-removed'), cluster: name }),
  /** A cluster's agent credentials were revoked: tunnels opened with them close. */
  z.object({ type: z.literal('credential-revoked'), cluster: name }),
  /**
   * Every replica re-reads its policy file now instead of at its next poll; `version` (sha256 of the
   * text) is what the sender loaded, so a replica already on it skips the read.
   */
  z.object({
    type: z.literal('policy-reload'),
    version: z
      .string()
      .regex(/^[0-9a-f]{64}$/)
      .optional(),
  }),
]);

export type BrokerChange = z.infer<typeof brokerChangeSchema>;
export type BrokerChangeType = BrokerChange['type'];

const envelopeSchema = z.object({ v: z.literal(1), from: z.string(), change: brokerChangeSchema });

/** PostgreSQL refuses NOTIFY payloads from 8000 bytes on. */
export const MAX_PAYLOAD_BYTES = 7_999;

export function encodeBrokerChange(from: string, change: BrokerChange): string {
  const payload = JSON.stringify({ v: 1, from, change: brokerChangeSchema.parse(change) });
  if (Buffer.byteLength(payload) > MAX_PAYLOAD_BYTES)
    throw new Error(`a ${change.type} notification is larger than ${MAX_PAYLOAD_BYTES} bytes`);
  return payload;
}

/** The change and the replica that sent it; undefined for anything that is not one (logged by the caller). */
export function decodeBrokerChange(payload: string): { from: string; change: BrokerChange } | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload);
  } catch {
    return undefined;
  }
  const result = envelopeSchema.safeParse(parsed);
  return result.success ? result.data : undefined;
}
