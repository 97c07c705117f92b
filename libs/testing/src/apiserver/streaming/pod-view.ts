/** What the stream handlers need to know about a pod; the server core builds it from the stored object. */
export interface PodView {
  namespace: string;
  name: string;
  uid: string;
  creationTimestamp: string;
  containers: Array<{
    name: string;
    image?: string;
    command?: string[];
    args?: string[];
    env?: Array<{ name: string; value?: string }>;
    ports?: Array<{ containerPort: number; protocol?: string; name?: string }>;
  }>;
}

export type ContainerView = PodView['containers'][number];

/** Handed over by the server core after authentication, authorization and pod/container validation. */
export interface PodStreamContext {
  pod: PodView;
  /** Already validated by the server core. */
  container: string;
  query: URLSearchParams;
  /** Aborts when the pod is deleted or the server closes. */
  podGone: AbortSignal;
  logIntervalMs: number;
}
