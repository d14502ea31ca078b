// A small hand-written Prometheus registry: counters, gauges (read at scrape time) and histograms,
// rendered in the text exposition format 0.0.4 (prometheus.io/docs/instrumenting/exposition_formats).

export type Labels = Readonly<Record<string, string>>;

/** The Content-Type Prometheus expects for the text format. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

interface Metric {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'gauge' | 'histogram';
  /** Sample lines, without HELP/TYPE. */
  samples(): string[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Label values escape backslash, double quote and newline; HELP text escapes backslash and newline. */
function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** `{a="1",b="2"}` with keys in sorted order, or '' with no labels; the key identifies a series. */
export function formatLabels(labels: Labels): string {
  const keys = Object.keys(labels).sort();
  if (keys.length === 0) return '';
  for (const k of keys) if (!LABEL_NAME.test(k) || k.startsWith('__')) throw new Error(`invalid label name ${k}`);
  return `{${keys.map((k) => `${k}="${escapeLabelValue(labels[k] as string)}"`).join(',')}}`;
}

/** Go-style float text: integers without a fraction, +Inf/-Inf/NaN spelled as Prometheus reads them. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

export class Counter implements Metric {
  readonly type = 'counter';
  private readonly series = new Map<string, number>();

  constructor(readonly name: string, readonly help: string) {}

  inc(labels: Labels = {}, by = 1): void {
    if (by < 0 || !Number.isFinite(by)) throw new Error(`counter ${this.name} can only go up`);
    const key = formatLabels(labels);
    this.series.set(key, (this.series.get(key) ?? 0) + by);
  }

  value(labels: Labels = {}): number {
    return this.series.get(formatLabels(labels)) ?? 0;
  }

  samples(): string[] {
    return [...this.series].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([key, v]) => `${this.name}${key} ${formatValue(v)}`);
  }
}

/** A gauge whose series are read when scraped (e.g. extremities per room, straight from storage). */
export class CallbackGauge implements Metric {
  readonly type = 'gauge';

  constructor(readonly name: string, readonly help: string, private readonly read: () => Array<{ labels: Labels; value: number }>) {}

  samples(): string[] {
    return this.read()
      .map(({ labels, value }) => `${this.name}${formatLabels(labels)} ${formatValue(value)}`)
      .sort();
  }
}

/** Cumulative buckets (`le`), `_sum` and `_count` per label set, as Prometheus histograms are exposed. */
export class Histogram implements Metric {
  readonly type = 'histogram';
  private readonly series = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>();
  readonly buckets: readonly number[];

  constructor(readonly name: string, readonly help: string, buckets: readonly number[]) {
    this.buckets = [...buckets].sort((a, b) => a - b);
  }

  observe(labels: Labels, value: number): void {
    const key = formatLabels(labels);
    let s = this.series.get(key);
    if (!s) {
      s = { labels, counts: this.buckets.map(() => 0), sum: 0, count: 0 };
      this.series.set(key, s);
    }
    // Stored per bucket (not cumulative); samples() accumulates.
    const i = this.buckets.findIndex((b) => value <= b);
    if (i >= 0) s.counts[i] = (s.counts[i] as number) + 1;
    s.sum += value;
    s.count += 1;
  }

  samples(): string[] {
    const out: string[] = [];
    for (const [key, s] of [...this.series].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      let cumulative = 0;
      this.buckets.forEach((bound, i) => {
        cumulative += s.counts[i] as number;
        out.push(`${this.name}_bucket${formatLabels({ ...s.labels, le: formatValue(bound) })} ${cumulative}`);
      });
      out.push(`${this.name}_bucket${formatLabels({ ...s.labels, le: '+Inf' })} ${s.count}`);
      out.push(`${this.name}_sum${key} ${formatValue(s.sum)}`);
      out.push(`${this.name}_count${key} ${s.count}`);
    }
    return out;
  }
}

export class MetricsRegistry {
  private readonly metrics: Metric[] = [];

  register<M extends Metric>(metric: M): M {
    if (!NAME.test(metric.name)) throw new Error(`invalid metric name ${metric.name}`);
    if (this.metrics.some((m) => m.name === metric.name)) throw new Error(`metric ${metric.name} registered twice`);
    this.metrics.push(metric);
    return metric;
  }

  /** The whole exposition: HELP and TYPE for every metric (even without samples yet), then its samples. */
  render(): string {
    const lines: string[] = [];
    for (const m of this.metrics) {
      lines.push(`# HELP ${m.name} ${escapeHelp(m.help)}`, `# TYPE ${m.name} ${m.type}`, ...m.samples());
    }
    return `${lines.join('\n')}\n`;
  }
}
