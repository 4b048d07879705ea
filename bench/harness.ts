/**
 * The shape every benchmark file shares, so `bench/run.ts` can run them all in
 * one process and write `bench/results.json` and `docs/benchmarks.md`.
 *
 * A benchmark file exports `run(options)` and returns rows; each row is one of
 * our figures beside the peer measured in the same run, and the ratio is
 * computed here from the two medians, never typed in by hand.
 *
 * @module
 */
import { Bench } from 'tinybench';

export interface BenchOptions {
  /** Shorter runs for CI; the full run is documented in docs/benchmarks.md. */
  readonly quick: boolean;
}

/** One measured task: median and p99 in nanoseconds per operation. */
export interface Measured {
  readonly name: string;
  readonly medianNs: number;
  readonly p99Ns: number;
  readonly samples: number;
}

/** One line of the table: our figure, its peer, the ratio, and a one-line reading. */
export interface Row {
  readonly figure: Measured;
  readonly peer?: Measured;
  /** `figure.medianNs / peer.medianNs` (computed by `row`). */
  readonly ratio?: number;
  /** The target from the issue, as text, e.g. "≤ 1.2× direct". */
  readonly goal?: string;
  readonly met?: boolean;
  readonly note: string;
}

export interface Section {
  readonly title: string;
  readonly rows: readonly Row[];
  /** Extra facts that are not timings (growth, memory, counts). */
  readonly facts?: Readonly<Record<string, string | number>>;
}

export type BenchFile = (options: BenchOptions) => Promise<Section>;

/**
 * Time a set of named tasks with tinybench (warm-up on) and return them by name.
 *
 * @example
 * const [ours, peer] = await measure({ quick }, { ours: () => decide(), peer: () => map.get(k) });
 */
export async function measure(
  options: BenchOptions,
  tasks: Readonly<Record<string, () => unknown | Promise<unknown>>>,
  /** Run each task this many times per sample and report per run (for nanosecond-scale work). */
  batch = 1,
): Promise<Measured[]> {
  const bench = new Bench({
    time: options.quick ? 150 : 1_000,
    warmupTime: options.quick ? 50 : 250,
    iterations: options.quick ? 20 : 100,
  });
  for (const [name, fn] of Object.entries(tasks)) {
    bench.add(
      name,
      batch === 1
        ? fn
        : () => {
            for (let i = 0; i < batch; i++) fn();
          },
    );
  }
  await bench.run();
  return bench.tasks.map((task) => {
    const result = task.result as unknown as {
      error?: unknown;
      latency?: { p50?: number; p99?: number; samplesCount?: number; samples?: number[] };
    };
    if (result.error !== undefined) throw new Error(`benchmark "${task.name}" failed: ${String((result.error as Error)?.message ?? result.error)}`, { cause: result.error });
    const latency = result.latency;
    if (!latency || latency.p50 === undefined) throw new Error(`benchmark "${task.name}" produced no result`);
    return {
      name: task.name,
      medianNs: (latency.p50 * 1e6) / batch,
      p99Ns: ((latency.p99 ?? latency.p50) * 1e6) / batch,
      samples: latency.samplesCount ?? latency.samples?.length ?? 0,
    };
  });
}

/** Build a row from our figure and its peer; `maxRatio` states the goal when there is one. */
export function row(figure: Measured, peer: Measured | undefined, note: string, maxRatio?: number): Row {
  if (!peer) return { figure, note };
  const ratio = figure.medianNs / peer.medianNs;
  return maxRatio === undefined
    ? { figure, peer, ratio, note }
    : { figure, peer, ratio, goal: `≤ ${maxRatio}× peer`, met: ratio <= maxRatio, note };
}

/** Find a measured task by name (throws if a benchmark forgot one). */
export function byName(results: readonly Measured[], name: string): Measured {
  const found = results.find((result) => result.name === name);
  if (!found) throw new Error(`no benchmark named "${name}"`);
  return found;
}

/** A `Measured` from raw per-operation samples in nanoseconds (for work tinybench cannot loop: cold starts, fan-outs). */
export function summarize(name: string, samplesNs: readonly number[]): Measured {
  if (samplesNs.length === 0) throw new Error(`benchmark "${name}" has no samples`);
  const sorted = [...samplesNs].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { name, medianNs: at(0.5), p99Ns: at(0.99), samples: sorted.length };
}

/** Wall time of one run of `fn`, in nanoseconds. */
export async function timeOnce(fn: () => Promise<unknown>): Promise<number> {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0);
}
