import { z } from 'zod';

/** Agent settings from TETHER_AGENT_* variables. */
export const agentConfigSchema = z
  .object({
    CLUSTER_NAME: z
      .string()
      .regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'must be a DNS label, e.g. dev-east'),
    BROKER_URL: z.url({ protocol: /^(https|wss)$/, error: 'must be an https:// URL of the broker' }),
    TOKEN: z.string().min(1).optional(),
    TOKEN_FILE: z.string().min(1).optional(),
    BROKER_CA_FILE: z.string().min(1).optional(),
    KUBECONFIG: z.string().min(1).optional(),
    KUBE_CONTEXT: z.string().min(1).optional(),
    /** The agent's own API server token file, re-read whenever it rotates. In a cluster: the projected SA token. */
    API_TOKEN_FILE: z.string().min(1).optional(),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
  })
  .refine((config) => config.TOKEN !== undefined || config.TOKEN_FILE !== undefined, {
    message: 'the agent needs its broker credential: set TOKEN or TOKEN_FILE',
    path: ['TOKEN'],
  });

export type AgentConfig = z.infer<typeof agentConfigSchema>;
