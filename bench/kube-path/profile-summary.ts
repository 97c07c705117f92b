/** Where a CPU profile's time went: by function (self), and by package or Node subsystem (self and inclusive). */
import { markdownTable } from './latency-stats';
import type { CpuProfile, CpuProfileNode } from './inspector-profiler';

interface Sampled {
  node: CpuProfileNode;
  parent: number | undefined;
  selfMs: number;
}

/** The package, Tether lib or Node subsystem a frame belongs to. */
export function categoryOf(frame: CpuProfileNode['callFrame']): string {
  const { url, functionName } = frame;
  if (url === '') return functionName.startsWith('(') ? functionName : `native ${functionName}`;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (pkg) return pkg[1] as string;
  const tether = /\/(libs|apps)\/([^/]+)\//.exec(url);
  if (tether) return tether[1] === 'libs' ? `@tether/${tether[2]}` : `apps/${tether[2]}`;
  const core = /^node:(?:internal\/)?([^/]+)/.exec(url);
  if (core) return `node:${(core[1] as string).replace(/^_/, '').replace(/_.*$/, '')}`;
  return url.replace(/^.*\//, '');
}

function frameName(node: CpuProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const where =
    url === '' ? '' : ` ${url.replace(/^.*\/(node_modules|libs|apps)\//, '$1/')}:${lineNumber + 1}`;
  return `${functionName || '(anonymous)'}${where}`;
}

function index(profile: CpuProfile): Map<number, Sampled> {
  const nodes = new Map<number, Sampled>();
  for (const node of profile.nodes) nodes.set(node.id, { node, parent: undefined, selfMs: 0 });
  for (const node of profile.nodes)
    for (const child of node.children ?? []) nodes.get(child)!.parent = node.id;
  profile.samples.forEach((id, i) => (nodes.get(id)!.selfMs += (profile.timeDeltas[i] ?? 0) / 1000));
  return nodes;
}

function top(totals: Map<string, number>, count: number, totalMs: number): string[][] {
  return [...totals.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, spent]) => [name, `${spent.toFixed(0)} ms`, `${((spent / totalMs) * 100).toFixed(1)}%`]);
}

/** Markdown tables; `requests` turns totals into a per-request cost. */
export function summarizeProfile(profile: CpuProfile, requests: number, count = 20): string {
  const nodes = index(profile);
  const wallMs = (profile.endTime - profile.startTime) / 1000;
  const selfByFrame = new Map<string, number>();
  const selfByCategory = new Map<string, number>();
  const inclusiveByCategory = new Map<string, number>();
  let busyMs = 0;
  for (const sampled of nodes.values()) {
    if (sampled.selfMs === 0) continue;
    const { callFrame } = sampled.node;
    if (callFrame.functionName === '(idle)') continue;
    busyMs += sampled.selfMs;
    const name = frameName(sampled.node);
    selfByFrame.set(name, (selfByFrame.get(name) ?? 0) + sampled.selfMs);
    const category = categoryOf(callFrame);
    selfByCategory.set(category, (selfByCategory.get(category) ?? 0) + sampled.selfMs);
    const onStack = new Set<string>();
    for (
      let at: Sampled | undefined = sampled;
      at;
      at = at.parent === undefined ? undefined : nodes.get(at.parent)
    ) {
      if (at.node.callFrame.functionName !== '(root)') onStack.add(categoryOf(at.node.callFrame));
    }
    for (const seen of onStack)
      inclusiveByCategory.set(seen, (inclusiveByCategory.get(seen) ?? 0) + sampled.selfMs);
  }
  const perRequest = (busyMs / requests) * 1000;
  return [
    `busy ${busyMs.toFixed(0)} ms of ${wallMs.toFixed(0)} ms sampled, ${requests} requests: ${perRequest.toFixed(0)} µs CPU per request`,
    '',
    markdownTable(['self time, by function', 'ms', 'share'], top(selfByFrame, count, busyMs)),
    '',
    markdownTable(['self time, by package / subsystem', 'ms', 'share'], top(selfByCategory, count, busyMs)),
    '',
    markdownTable(
      ['inclusive time (on the stack), by package', 'ms', 'share'],
      top(inclusiveByCategory, count, busyMs),
    ),
  ].join('\n');
}
