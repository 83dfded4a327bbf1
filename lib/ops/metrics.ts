/**
 * A small in-process metrics registry rendered in the Prometheus text format (0.0.4).
 * Counters and histograms live in this isolate: under `deno serve --parallel` every worker
 * keeps its own, so each sample carries a `worker` label and a scrape reads the one worker
 * that answered it (see README, "Metrics").
 */
import { onCommitRetry } from "../storage/mod.ts";

type Labels = Record<string, string>;

/** Identifies this isolate's series: the process id and a random suffix per worker. */
const WORKER = `${Deno.pid}-${crypto.randomUUID().slice(0, 4)}`;

function escapeLabel(value: string): string {
  return value.replaceAll("\\", "\\\\").replaceAll("\n", "\\n").replaceAll('"', '\\"');
}

function labelText(labels: Labels): string {
  const all = { ...labels, worker: WORKER };
  return `{${Object.entries(all).map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(",")}}`;
}

/** A number the way Prometheus reads it (`+Inf`, integers without a fraction). */
function num(n: number): string {
  return n === Infinity ? "+Inf" : String(n);
}

interface Metric {
  render(): string[];
}

/** A monotonically growing count, per label set. */
export class Counter implements Metric {
  #values = new Map<string, { labels: Labels; value: number }>();
  constructor(readonly name: string, readonly help: string) {}

  inc(by = 1, labels: Labels = {}): void {
    const key = JSON.stringify(labels);
    const entry = this.#values.get(key);
    if (entry) entry.value += by;
    else this.#values.set(key, { labels, value: by });
  }

  /** The current count for `labels` (tests, and the sum of label sets when omitted). */
  value(labels?: Labels): number {
    if (labels) return this.#values.get(JSON.stringify(labels))?.value ?? 0;
    let sum = 0;
    for (const e of this.#values.values()) sum += e.value;
    return sum;
  }

  render(): string[] {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    // An unlabelled counter shows 0 before its first event (a scrape sees it exists).
    if (this.#values.size === 0) lines.push(`${this.name}${labelText({})} 0`);
    for (const { labels, value } of this.#values.values()) {
      lines.push(`${this.name}${labelText(labels)} ${num(value)}`);
    }
    return lines;
  }
}

/** A value read when scraped (open sockets, memory). */
export class Gauge implements Metric {
  #read: () => number = () => 0;
  constructor(readonly name: string, readonly help: string) {}

  /** Where the value comes from; the last call wins (one app per isolate in production). */
  collect(read: () => number): void {
    this.#read = read;
  }

  render(): string[] {
    return [
      `# HELP ${this.name} ${this.help}`,
      `# TYPE ${this.name} gauge`,
      `${this.name}${labelText({})} ${num(this.#read())}`,
    ];
  }
}

/** Observations counted into cumulative buckets, per label set. */
export class Histogram implements Metric {
  #series = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>();
  constructor(readonly name: string, readonly help: string, readonly buckets: number[]) {}

  observe(value: number, labels: Labels = {}): void {
    const key = JSON.stringify(labels);
    let s = this.#series.get(key);
    if (!s) {
      s = { labels, counts: this.buckets.map(() => 0), sum: 0, count: 0 };
      this.#series.set(key, s);
    }
    const i = this.buckets.findIndex((b) => value <= b);
    if (i >= 0) s.counts[i]++;
    s.sum += value;
    s.count++;
  }

  render(): string[] {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const { labels, counts, sum, count } of this.#series.values()) {
      let cumulative = 0;
      this.buckets.forEach((le, i) => {
        cumulative += counts[i];
        lines.push(`${this.name}_bucket${labelText({ ...labels, le: num(le) })} ${cumulative}`);
      });
      lines.push(`${this.name}_bucket${labelText({ ...labels, le: "+Inf" })} ${count}`);
      lines.push(`${this.name}_sum${labelText(labels)} ${num(sum)}`);
      lines.push(`${this.name}_count${labelText(labels)} ${count}`);
    }
    return lines;
  }
}

/**
 * Request latency buckets (seconds): a chat app's JSON answers take a few milliseconds,
 * pages ~10 ms, password hashing ~0.2–0.5 s; uploads of many MB reach seconds.
 */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Everything the app measures; one registry per isolate. */
export const metrics = {
  httpRequests: new Counter(
    "hearth_http_requests_total",
    "HTTP requests answered, by method, route pattern and status.",
  ),
  httpDuration: new Histogram(
    "hearth_http_request_duration_seconds",
    "Time to the response's headers, by method and route pattern.",
    LATENCY_BUCKETS,
  ),
  openSockets: new Gauge("hearth_websockets_open", "WebSocket connections open on this worker."),
  messagesStored: new Counter(
    "hearth_messages_stored_total",
    "Messages committed to KV by this worker (a repeated clientId is not counted).",
  ),
  messagesDelivered: new Counter(
    "hearth_messages_delivered_total",
    "Live message frames sent to sockets by this worker (one per socket per message).",
  ),
  kvCommitRetries: new Counter(
    "hearth_kv_commit_retries_total",
    'KV commits tried again, by reason ("locked": database is locked; "conflict": a check failed).',
  ),
  residentMemory: new Gauge("process_resident_memory_bytes", "Resident memory of the process."),
  startTime: new Gauge("process_start_time_seconds", "When this worker started (Unix seconds)."),
};

// Storage reports its retries through a hook: it imports nothing above it.
onCommitRetry((reason) => metrics.kvCommitRetries.inc(1, { reason }));

const started = Date.now() / 1000;
metrics.residentMemory.collect(() => Deno.memoryUsage().rss);
metrics.startTime.collect(() => started);

/** The registry as Prometheus text (exposition format 0.0.4). */
export function renderMetrics(): string {
  return Object.values(metrics).flatMap((m: Metric) => m.render()).join("\n") + "\n";
}

/** The Content-Type of renderMetrics()'s text. */
export const METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
