/**
 * A small Prometheus client: counters, gauges and histograms with fixed label names, rendered
 * in the text exposition format (version 0.0.4): `# HELP` and `# TYPE` lines, one sample per
 * label set, histograms as cumulative `_bucket{le="…"}` samples plus `_sum` and `_count`.
 * Label values and help text are escaped as the format requires. No I/O: `expose()` returns
 * the text and the caller serves it.
 */

/** Label name → value of one sample. Every declared label name must be given, no other. */
export type Labels = Readonly<Record<string, string>>;

/** What every metric declares. */
export interface MetricOptions {
  /** Metric name, `[a-zA-Z_:][a-zA-Z0-9_:]*`. */
  name: string;
  help: string;
  /** Label names in output order; none for a single unlabelled series. */
  labelNames?: readonly string[];
}

/** Options of an unlabelled counter or gauge whose value is read when scraped. */
export interface CollectedOptions {
  name: string;
  help: string;
  /** Called at each `expose()`; its result is the sample's value. */
  collect: () => number;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Escapes a label value: backslash, double quote and newline. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** A sample value as the format spells it (`+Inf`, `-Inf`, `NaN`, else JavaScript's shortest form). */
export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

abstract class Metric<S> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  protected readonly series = new Map<string, { labels: string; state: S }>();

  constructor(opts: MetricOptions, readonly type: 'counter' | 'gauge' | 'histogram') {
    if (!NAME.test(opts.name)) throw new Error(`invalid metric name ${opts.name}`);
    for (const l of opts.labelNames ?? []) {
      if (!LABEL.test(l) || l.startsWith('__') || l === 'le') throw new Error(`invalid label name ${l} of ${opts.name}`);
    }
    this.name = opts.name;
    this.help = opts.help;
    this.labelNames = opts.labelNames ?? [];
  }

  /** The state of the series `labels`, created on first use. Throws for wrong label names (a bug). */
  protected state(labels: Labels | undefined, init: () => S): S {
    const given = labels ?? {};
    const keys = Object.keys(given);
    if (keys.length !== this.labelNames.length || this.labelNames.some((l) => given[l] === undefined)) {
      throw new Error(`${this.name} takes labels [${this.labelNames.join(', ')}], got [${keys.join(', ')}]`);
    }
    const rendered = this.labelNames.map((l) => `${l}="${escapeLabelValue(given[l]!)}"`).join(',');
    let entry = this.series.get(rendered);
    if (!entry) {
      entry = { labels: rendered, state: init() };
      this.series.set(rendered, entry);
    }
    return entry.state;
  }

  /** The `# HELP`, `# TYPE` and sample lines of this metric. */
  render(): string[] {
    return [`# HELP ${this.name} ${escapeHelp(this.help)}`, `# TYPE ${this.name} ${this.type}`, ...this.samples()];
  }

  protected abstract samples(): string[];
}

function sample(name: string, labels: string, value: number): string {
  return `${name}${labels === '' ? '' : `{${labels}}`} ${formatValue(value)}`;
}

/** A monotonically increasing count per label set. */
export class Counter extends Metric<{ value: number }> {
  constructor(opts: MetricOptions) {
    super(opts, 'counter');
  }

  /** Adds `n` (default 1, must not be negative) to the series `labels`. */
  inc(labels?: Labels, n = 1): void {
    if (!(n >= 0)) throw new Error(`${this.name}: a counter cannot decrease (${n})`);
    this.state(labels, () => ({ value: 0 })).value += n;
  }

  protected samples(): string[] {
    return [...this.series.values()].map((s) => sample(this.name, s.labels, s.state.value));
  }
}

/** A value that goes up and down per label set. */
export class Gauge extends Metric<{ value: number }> {
  constructor(opts: MetricOptions) {
    super(opts, 'gauge');
  }

  /** Sets the series `labels` to `v`. */
  set(labels: Labels | undefined, v: number): void {
    this.state(labels, () => ({ value: 0 })).value = v;
  }

  /** Adds `n` (default 1; negative to decrease). */
  inc(labels?: Labels, n = 1): void {
    this.state(labels, () => ({ value: 0 })).value += n;
  }

  protected samples(): string[] {
    return [...this.series.values()].map((s) => sample(this.name, s.labels, s.state.value));
  }
}

interface HistogramState {
  /** Observations per bucket, not cumulative; the last slot is the `+Inf` overflow. */
  counts: number[];
  sum: number;
  count: number;
}

/** Observations counted into fixed upper bounds, per label set. */
export class Histogram extends Metric<HistogramState> {
  readonly buckets: readonly number[];

  /** `buckets`: finite upper bounds, strictly increasing; `+Inf` is implicit. */
  constructor(opts: MetricOptions & { buckets: readonly number[] }) {
    super(opts, 'histogram');
    const b = opts.buckets;
    if (b.length === 0 || b.some((v, i) => !Number.isFinite(v) || (i > 0 && v <= b[i - 1]!))) {
      throw new Error(`${opts.name}: buckets must be finite and strictly increasing`);
    }
    this.buckets = [...b];
  }

  /** Records one observation `v` in the series `labels`. */
  observe(labels: Labels | undefined, v: number): void {
    const s = this.state(labels, () => ({ counts: new Array<number>(this.buckets.length + 1).fill(0), sum: 0, count: 0 }));
    let i = 0;
    while (i < this.buckets.length && v > this.buckets[i]!) i++;
    s.counts[i]!++;
    s.sum += v;
    s.count++;
  }

  protected samples(): string[] {
    const out: string[] = [];
    for (const { labels, state } of this.series.values()) {
      const prefix = labels === '' ? '' : `${labels},`;
      let cumulative = 0;
      this.buckets.forEach((bound, i) => {
        cumulative += state.counts[i]!;
        out.push(sample(`${this.name}_bucket`, `${prefix}le="${formatValue(bound)}"`, cumulative));
      });
      out.push(sample(`${this.name}_bucket`, `${prefix}le="+Inf"`, state.count));
      out.push(sample(`${this.name}_sum`, labels, state.sum));
      out.push(sample(`${this.name}_count`, labels, state.count));
    }
    return out;
  }
}

/** A counter or gauge without labels whose value is read from `collect` at each scrape. */
class Collected {
  constructor(private readonly opts: CollectedOptions, private readonly type: 'counter' | 'gauge') {
    if (!NAME.test(opts.name)) throw new Error(`invalid metric name ${opts.name}`);
  }

  get name(): string {
    return this.opts.name;
  }

  render(): string[] {
    return [`# HELP ${this.opts.name} ${escapeHelp(this.opts.help)}`, `# TYPE ${this.opts.name} ${this.type}`, sample(this.opts.name, '', this.opts.collect())];
  }
}

/** The set of metrics one endpoint exposes, in registration order. */
export class MetricsRegistry {
  private readonly metrics: { name: string; render(): string[] }[] = [];

  /** Registers and returns a counter. Throws if the name is taken. */
  counter(opts: MetricOptions): Counter {
    return this.add(new Counter(opts));
  }

  /** Registers and returns a gauge. */
  gauge(opts: MetricOptions): Gauge {
    return this.add(new Gauge(opts));
  }

  /** Registers and returns a histogram. */
  histogram(opts: MetricOptions & { buckets: readonly number[] }): Histogram {
    return this.add(new Histogram(opts));
  }

  /** Registers an unlabelled counter read at scrape time (e.g. CPU seconds). */
  collectedCounter(opts: CollectedOptions): void {
    this.add(new Collected(opts, 'counter'));
  }

  /** Registers an unlabelled gauge read at scrape time (e.g. resident memory). */
  collectedGauge(opts: CollectedOptions): void {
    this.add(new Collected(opts, 'gauge'));
  }

  /** The exposition text of every metric, newline-terminated. */
  expose(): string {
    return this.metrics.flatMap((m) => m.render()).join('\n') + '\n';
  }

  private add<M extends { name: string; render(): string[] }>(m: M): M {
    if (this.metrics.some((x) => x.name === m.name)) throw new Error(`metric ${m.name} is registered twice`);
    this.metrics.push(m);
    return m;
  }
}
