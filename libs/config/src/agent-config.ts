import { z } from 'zod';

/** Agent settings from TETHER_AGENT_* variables. */
export const agentConfigSchema = z
  .object({
    CLUSTER_NAME: z
      .string()
      .regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'must be a DNS label, e.g. dev-east'),
    BROKER_URL: z.url({ protocol: /^(https|wss)$/, error: 'must be an https:// URL of the broker' }),
    /** A static credential (TETHER_BROKER_CLUSTERS on the broker); the alternative to enrollment. */
    TOKEN: z.string().min(1).optional(),
    TOKEN_FILE: z.string().min(1).optional(),
    /** Enrollment: the one-time join token from `tether cluster add`, exchanged for a credential. */
    JOIN_TOKEN_FILE: z.string().min(1).optional(),
    /** Enrollment in a cluster: the Secret (in NAMESPACE) that keeps the agent's credential. */
    CREDENTIAL_SECRET: z.string().min(1).optional(),
    NAMESPACE: z.string().min(1).optional(),
    /** Enrollment outside a cluster: the file (mode 0600) that keeps the agent's credential. */
    CREDENTIAL_FILE: z.string().min(1).optional(),
    BROKER_CA_FILE: z.string().min(1).optional(),
    /**
     * The broker replicas from DNS instead of from the broker: a headless Service name (`host` or
     * `host:port`, default BROKER_URL's port) whose every A record gets a tunnel, checked against
     * BROKER_URL's TLS name. Unset: the replicas the broker announces over the tunnel.
     */
    BROKER_PEERS_DNS: z
      .string()
      .regex(/^[A-Za-z0-9]([-.A-Za-z0-9]*[A-Za-z0-9])?(:[0-9]{1,5})?$/, 'must be a host name, or host:port')
      .optional(),
    KUBECONFIG: z.string().min(1).optional(),
    KUBE_CONTEXT: z.string().min(1).optional(),
    /** The agent's own API server token file, re-read whenever it rotates. In a cluster: the projected SA token. */
    API_TOKEN_FILE: z.string().min(1).optional(),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
    /** /healthz, /readyz and /metrics (plain HTTP). In a pod the kubelet probes it, hence all interfaces. */
    HTTP_HOST: z.string().min(1).default('0.0.0.0'),
    /** 0: any free port. */
    HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(9090),
    /** OTLP/HTTP collector base URL (…:4318) for traces; off when unset (see also OTEL_*). */
    OTLP_ENDPOINT: z.url({ protocol: /^https?$/, error: 'must be an http(s):// URL' }).optional(),
  })
  .superRefine((config, ctx) => {
    const problem = (path: string, message: string) =>
      ctx.addIssue({ code: 'custom', path: [path], message });
    const staticSource = config.TOKEN !== undefined || config.TOKEN_FILE !== undefined;
    const enrolled =
      config.JOIN_TOKEN_FILE !== undefined ||
      config.CREDENTIAL_SECRET !== undefined ||
      config.CREDENTIAL_FILE !== undefined;
    if (config.TOKEN !== undefined && config.TOKEN_FILE !== undefined)
      problem('TOKEN', 'set TOKEN or TOKEN_FILE, not both');
    if (staticSource && enrolled)
      problem(
        'TOKEN',
        'a static TOKEN/TOKEN_FILE and enrollment (JOIN_TOKEN_FILE, CREDENTIAL_SECRET, CREDENTIAL_FILE) exclude each other',
      );
    if (!staticSource && !enrolled)
      problem(
        'JOIN_TOKEN_FILE',
        'the agent needs a broker credential: enrollment (JOIN_TOKEN_FILE with CREDENTIAL_SECRET or CREDENTIAL_FILE) or a static TOKEN/TOKEN_FILE',
      );
    if (enrolled && !staticSource) {
      if (config.CREDENTIAL_SECRET !== undefined && config.CREDENTIAL_FILE !== undefined)
        problem('CREDENTIAL_SECRET', 'set CREDENTIAL_SECRET (in a cluster) or CREDENTIAL_FILE, not both');
      if (config.CREDENTIAL_SECRET === undefined && config.CREDENTIAL_FILE === undefined)
        problem(
          'CREDENTIAL_FILE',
          'enrollment needs where to keep the credential: CREDENTIAL_SECRET or CREDENTIAL_FILE',
        );
    }
    if (config.CREDENTIAL_SECRET !== undefined && config.NAMESPACE === undefined)
      problem('NAMESPACE', 'required with CREDENTIAL_SECRET: the namespace of that Secret');
  });

export type AgentConfig = z.infer<typeof agentConfigSchema>;
