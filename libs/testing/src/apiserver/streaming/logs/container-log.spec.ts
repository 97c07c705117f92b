import type { PodView } from '../pod-view.js';
import { ContainerLog, RETAINED_LINES, STARTUP_LINES } from './container-log.js';

const created = Date.parse('2026-01-02T03:04:05.000Z');
const pod: PodView = {
  namespace: 'web',
  name: 'api-1',
  uid: 'u',
  creationTimestamp: '2026-01-02T03:04:05Z',
  containers: [],
};

describe('ContainerLog', () => {
  it('has its start-up lines at creation, then one line per interval', () => {
    const log = new ContainerLog(pod, 'api', 1000, created + 60_000);
    expect(log.lastIndexAt(created)).toBe(STARTUP_LINES);
    expect(log.lastIndexAt(created + 2_500)).toBe(STARTUP_LINES + 2);
    expect(log.timeOf(1)).toBe(created);
    expect(log.timeOf(STARTUP_LINES + 1)).toBe(created + 1000);
  });

  it('renders the same text for a line whoever reads it', () => {
    const log = new ContainerLog(pod, 'api', 1000, created + 60_000);
    expect(log.line(5).text).toBe('2026-01-02T03:04:07.000Z pod web/api-1 container api: line 5');
    expect(new ContainerLog(pod, 'api', 1000, created + 90_000).line(5)).toEqual(log.line(5));
  });

  it('keeps only the most recent lines, like rotated container logs', () => {
    const log = new ContainerLog(pod, 'api', 10, created + 3_600_000);
    const last = log.lastIndexAt(created + 3_600_000);
    expect(log.firstIndexAt(created + 3_600_000)).toBe(last - RETAINED_LINES + 1);
  });
});
