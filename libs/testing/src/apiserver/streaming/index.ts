export type { ContainerView, PodStreamContext, PodView } from './pod-view.js';
export { serveLogs } from './logs/serve-logs.js';
export { serveExecUpgrade } from './exec/serve-exec-upgrade.js';
export { servePortForwardUpgrade } from './portforward/serve-port-forward-upgrade.js';
