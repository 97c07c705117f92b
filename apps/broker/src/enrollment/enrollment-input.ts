import { z } from 'zod';
import { EnrollmentError } from './enrollment.errors';

const clusterName = z
  .string({ error: 'name is required' })
  .regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'cluster names are DNS labels, e.g. prod-eu-1');

// Kubernetes label syntax, so the same labels read naturally in policies (`clusters: { labels: ... }`).
const labelKey = z
  .string()
  .regex(
    /^([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/,
    'is not a valid label key',
  );
const labelValue = z
  .string()
  .regex(/^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/, 'is not a valid label value');

const addClusterSchema = z.object({
  name: clusterName,
  labels: z.record(labelKey, labelValue).default({}),
});

const rotateSchema = z.object({
  /** Also revoke the agent's current credential at once (and close its tunnels). */
  revokeCredentials: z.boolean().default(false),
});

const joinSchema = z.object({ cluster: clusterName.optional() });

export type AddClusterInput = z.infer<typeof addClusterSchema>;
export type RotateInput = z.infer<typeof rotateSchema>;
export type JoinInput = z.infer<typeof joinSchema>;

function parse<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  const result = schema.safeParse(body ?? {});
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) =>
    i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message,
  );
  throw new EnrollmentError('invalid_request', problems.join('; '));
}

export const parseAddCluster = (body: unknown): AddClusterInput => parse(addClusterSchema, body);
export const parseRotate = (body: unknown): RotateInput => parse(rotateSchema, body);
export const parseJoin = (body: unknown): JoinInput => parse(joinSchema, body);
export const isClusterName = (name: string): boolean => clusterName.safeParse(name).success;
