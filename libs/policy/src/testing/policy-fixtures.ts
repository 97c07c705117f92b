/** Builders for specs: inputs with sensible defaults, and one-off policies from a few lines of YAML. */
import { parsePolicy } from '../parse-policy.js';
import type { Policy } from '../policy.js';
import type { PolicyInput, PolicyRequest } from '../policy-input.js';

export const DEV_EAST = { name: 'dev-east', labels: { env: 'dev', region: 'eu' } };
export const DEV_WEST = { name: 'dev-west', labels: { env: 'dev', region: 'us' } };
export const PROD_EU = { name: 'prod-eu', labels: { env: 'prod', region: 'eu' } };

/** Wednesday 2026-11-25 12:00 UTC (13:00 in Berlin). */
export const WEDNESDAY_NOON = new Date('2026-11-25T12:00:00Z');

export function request(overrides: Partial<PolicyRequest> = {}): PolicyRequest {
  return {
    verb: 'get',
    apiGroup: '',
    resource: 'pods',
    subresource: '',
    namespace: 'default',
    name: 'web-0',
    isResourceRequest: true,
    path: '/api/v1/namespaces/default/pods/web-0',
    ...overrides,
  };
}

export interface InputOverrides {
  user?: Partial<PolicyInput['user']>;
  cluster?: PolicyInput['cluster'];
  request?: Partial<PolicyRequest>;
  now?: Date;
  grants?: PolicyInput['grants'];
}

export function input(overrides: InputOverrides = {}): PolicyInput {
  return {
    user: { username: 'alice', email: 'alice@acme.com', groups: ['developers'], ...overrides.user },
    cluster: overrides.cluster ?? DEV_EAST,
    request: request(overrides.request),
    now: overrides.now ?? WEDNESDAY_NOON,
    grants: overrides.grants,
  };
}

/** Indents a YAML fragment so it can sit under a key at `depth` levels. */
export function indent(yaml: string, depth: number): string {
  const pad = '  '.repeat(depth);
  return yaml
    .trim()
    .split('\n')
    .map((line) => pad + line)
    .join('\n');
}

/** A policy whose `rules:` (and optionally other sections) are the given YAML. */
export function policyFrom(rules: string, rest = ''): Policy {
  return parsePolicy(`apiVersion: policy.tether.dev/v1\nkind: Policy\nrules:\n${indent(rules, 1)}\n${rest}`);
}

/** A policy with a single allow rule named `r` whose condition is `condition` (YAML). */
export function allowIf(condition: string): Policy {
  return policyFrom(`- name: r\n  allow:\n${indent(condition, 2)}`);
}
