import type { FieldCause } from '../api-error.js';
import type { KubeObject } from '../kube-object.js';
import type { NameRule } from './name-validation.js';

/** What the cluster hands a strategy so defaults look like a real cluster's (IPs, node, time). */
export interface ClusterFacts {
  nodeName: string;
  now(): string;
  nextPodIp(): string;
  nextServiceIp(): string;
  nextNodePort(): number;
}

/** Per-kind rules applied by the store on every write, like the API server's registry strategies. */
export interface ResourceStrategy {
  nameRule: NameRule;
  /** Kinds whose spec changes bump metadata.generation. */
  tracksGeneration?: boolean;
  /** Kinds with a status subresource: a write to the main resource keeps the stored status. */
  hasStatus?: boolean;
  /** Fills defaults on create (spec and, when absent, a plausible status). */
  defaultOnCreate?(object: KubeObject, facts: ClusterFacts): void;
  /** Fills defaults on update (the new object already carries everything the caller sent). */
  defaultOnUpdate?(object: KubeObject, old: KubeObject, facts: ClusterFacts): void;
  validate?(object: KubeObject): FieldCause[];
  validateUpdate?(object: KubeObject, old: KubeObject): FieldCause[];
}
