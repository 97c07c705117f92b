import { Counter, Histogram } from 'prom-client';
import { LabelledCounter, LabelledHistogram } from './labelled-metrics.js';
import { createMetricsRegistry } from './metrics-registry.js';

const buckets = [0.01, 0.1, 1];
const samples: Array<[string, number]> = [
  ['get', 0.004],
  ['get', 0.01],
  ['get', 0.5],
  ['list', 7],
  ['get', 0.05],
];

/** Exposition lines with their labels sorted: label order carries no meaning. */
function normalized(text: string): string[] {
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const match = /^(\w+)\{(.*)\} (.*)$/.exec(line);
      if (!match) return line;
      return `${match[1]}{${match[2].split(',').sort().join(',')}} ${Number(match[3])}`;
    })
    .sort();
}

describe('labelled metrics', () => {
  it('render exactly as prom-client renders the same observations', async () => {
    const ours = createMetricsRegistry({ service: 'broker', version: '1.0.0', processMetrics: false });
    const reference = createMetricsRegistry({ service: 'broker', version: '1.0.0', processMetrics: false });
    const counter = new LabelledCounter(
      { name: 'x_total', help: 'x', labelNames: ['cluster', 'verb'] },
      ours,
    );
    const histogram = new LabelledHistogram(
      { name: 'x_seconds', help: 'x', labelNames: ['cluster', 'verb'], buckets },
      ours,
    );
    const refCounter = new Counter({
      name: 'x_total',
      help: 'x',
      labelNames: ['cluster', 'verb'],
      registers: [reference],
    });
    const refHistogram = new Histogram({
      name: 'x_seconds',
      help: 'x',
      labelNames: ['cluster', 'verb'],
      buckets,
      registers: [reference],
    });
    for (const [verb, seconds] of samples) {
      counter.cell('dev-east', verb).inc();
      histogram.cell('dev-east', verb).observe(seconds);
      refCounter.labels('dev-east', verb).inc();
      refHistogram.labels('dev-east', verb).observe(seconds);
    }
    const text = await ours.metrics();
    expect(normalized(text)).toEqual(normalized(await reference.metrics()));
    expect(text).toContain(
      'x_seconds_bucket{cluster="dev-east",verb="get",le="0.01",service="broker",version="1.0.0"} 2',
    );
  });

  it('keeps a cell valid across a registry reset, counting from zero again', async () => {
    const registry = createMetricsRegistry({ service: 'agent', processMetrics: false });
    const counter = new LabelledCounter({ name: 'y_total', help: 'y', labelNames: ['code'] }, registry);
    const cell = counter.cell('200');
    cell.inc(5);
    registry.resetMetrics();
    cell.inc();
    expect(await registry.metrics()).toContain('y_total{code="200",service="agent",version="0.0.0"} 1');
    expect(counter.cell('200')).toBe(cell);
  });

  it('refuses the wrong number of label values', () => {
    const registry = createMetricsRegistry({ service: 'agent', processMetrics: false });
    const counter = new LabelledCounter({ name: 'z_total', help: 'z', labelNames: ['a', 'b'] }, registry);
    expect(() => counter.cell('only-one')).toThrow(RangeError);
  });
});
