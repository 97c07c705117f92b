import type { Metric, Registry } from 'prom-client';

/** One series of a counter: `inc()` is a number increment. */
export class CounterCell {
  value = 0;

  inc(by = 1): void {
    this.value += by;
  }
}

/** One series of a histogram: `observe()` scans the bucket bounds and bumps two numbers. */
export class HistogramCell {
  readonly counts: number[];
  sum = 0;
  count = 0;

  constructor(private readonly bounds: readonly number[]) {
    this.counts = new Array<number>(bounds.length).fill(0);
  }

  observe(value: number): void {
    this.sum += value;
    this.count++;
    const { bounds, counts } = this;
    for (let i = 0; i < bounds.length; i++) {
      if (value <= (bounds[i] as number)) {
        counts[i]!++;
        return;
      }
    }
  }
}

interface MetricValue {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
}

interface Definition {
  name: string;
  help: string;
  labelNames: readonly string[];
}

/**
 * Counters and histograms for request paths. prom-client hashes the label object on every `inc` and
 * `observe`; here a series is a cell the caller keeps, and the label work happens once per series and
 * at scrape time. The families register into a prom-client Registry, which renders them with the
 * registry's default labels next to everything else.
 */
abstract class LabelledFamily<Cell> {
  readonly name: string;
  readonly help: string;
  readonly aggregator = 'sum';
  abstract readonly type: 'counter' | 'histogram';
  private readonly cells = new Map<string, { labels: Record<string, string>; cell: Cell }>();

  constructor(
    protected readonly definition: Definition,
    registry: Registry,
  ) {
    this.name = definition.name;
    this.help = definition.help;
    // prom-client renders any object with name, help, type and get(); its types only know its own classes.
    registry.registerMetric(this as unknown as Metric);
  }

  /** The series for these label values (in labelNames order), created on first use. Keep it. */
  cell(...values: string[]): Cell {
    if (values.length !== this.definition.labelNames.length)
      throw new RangeError(`${this.name} takes ${this.definition.labelNames.length} label values`);
    const key = values.join('\u0000');
    let entry = this.cells.get(key);
    if (!entry) {
      const labels: Record<string, string> = {};
      this.definition.labelNames.forEach((label, i) => (labels[label] = values[i] as string));
      entry = { labels, cell: this.newCell() };
      this.cells.set(key, entry);
    }
    return entry.cell;
  }

  get(): { name: string; help: string; type: string; aggregator: string; values: MetricValue[] } {
    const values: MetricValue[] = [];
    for (const { labels, cell } of this.cells.values()) this.valuesOf(labels, cell, values);
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  /** Registry.resetMetrics(): every series back to zero (the cells callers keep stay valid). */
  reset(): void {
    for (const { cell } of this.cells.values()) this.zero(cell);
  }

  protected abstract newCell(): Cell;
  protected abstract zero(cell: Cell): void;
  protected abstract valuesOf(labels: Record<string, string>, cell: Cell, into: MetricValue[]): void;
}

export class LabelledCounter extends LabelledFamily<CounterCell> {
  readonly type = 'counter';

  protected newCell(): CounterCell {
    return new CounterCell();
  }

  protected zero(cell: CounterCell): void {
    cell.value = 0;
  }

  protected valuesOf(labels: Record<string, string>, cell: CounterCell, into: MetricValue[]): void {
    into.push({ labels, value: cell.value });
  }
}

export class LabelledHistogram extends LabelledFamily<HistogramCell> {
  readonly type = 'histogram';
  private readonly bounds: readonly number[];

  constructor(definition: Definition & { buckets: readonly number[] }, registry: Registry) {
    super(definition, registry);
    this.bounds = [...definition.buckets].sort((a, b) => a - b);
  }

  protected newCell(): HistogramCell {
    return new HistogramCell(this.bounds);
  }

  protected zero(cell: HistogramCell): void {
    cell.counts.fill(0);
    cell.sum = 0;
    cell.count = 0;
  }

  protected valuesOf(labels: Record<string, string>, cell: HistogramCell, into: MetricValue[]): void {
    let cumulative = 0;
    this.bounds.forEach((bound, i) => {
      cumulative += cell.counts[i] as number;
      into.push({ metricName: `${this.name}_bucket`, labels: { ...labels, le: bound }, value: cumulative });
    });
    into.push({ metricName: `${this.name}_bucket`, labels: { ...labels, le: '+Inf' }, value: cell.count });
    into.push({ metricName: `${this.name}_sum`, labels, value: cell.sum });
    into.push({ metricName: `${this.name}_count`, labels, value: cell.count });
  }
}
