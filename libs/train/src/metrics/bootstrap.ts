// Percentile bootstrap confidence intervals. When patient ids are given, patients (with all their rows)
// are resampled, not rows: images of one patient are not independent.
import { TrainError } from '../errors.js';
import { mulberry32 } from '@transfusion/random';

export interface BootstrapOptions {
  /** Number of resamples (pROC's default is 2000). */
  replicates?: number;
  /** Two-sided level: 0.95 gives the 2.5th and 97.5th percentiles. */
  level?: number;
  seed?: number;
  /** One id per row; rows sharing an id are resampled together. */
  groups?: readonly string[];
}

export interface BootstrapInterval {
  estimate: number;
  lower: number;
  upper: number;
  level: number;
  /** Replicates where the metric was defined (e.g. both classes present). */
  replicates: number;
  /** Replicates skipped because the metric was undefined (NaN or threw a METRIC_BAD_INPUT). */
  skipped: number;
  seed: number;
  resampled: 'rows' | 'groups';
}

/** Linear-interpolated quantile of sorted values (numpy's default 'linear' method). */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/**
 * `metric(rows)` receives the row indices of a resample (with repeats) and returns the metric on them;
 * `n` is the number of rows. The point estimate uses all rows once.
 */
export function bootstrapCi(
  n: number,
  metric: (rows: Uint32Array) => number,
  options: BootstrapOptions = {},
): BootstrapInterval {
  const ci = bootstrapCiMany(n, (rows) => ({ value: metric(rows) }), options)['value'];
  if (!ci) throw new TrainError('METRIC_BAD_INPUT', 'bootstrapCi: the metric is undefined on the full set of rows');
  return ci;
}

/**
 * Several metrics over the same resamples (one call of `metrics(rows)` per resample), e.g. per-label and
 * macro AUC together. Each metric's undefined replicates are skipped for that metric only; a metric that is
 * undefined (NaN) on the full set gets no interval.
 */
export function bootstrapCiMany(
  n: number,
  metrics: (rows: Uint32Array) => Record<string, number>,
  options: BootstrapOptions = {},
): Record<string, BootstrapInterval> {
  const replicates = options.replicates ?? 2000;
  const level = options.level ?? 0.95;
  const seed = options.seed ?? 0;
  if (!Number.isInteger(n) || n < 1)
    throw new TrainError('METRIC_BAD_INPUT', `bootstrapCi: need at least one row, got ${n}`);
  if (!Number.isInteger(replicates) || replicates < 1)
    throw new TrainError('METRIC_BAD_INPUT', `bootstrapCi: replicates must be a positive integer, got ${replicates}`);
  if (!(level > 0 && level < 1))
    throw new TrainError('METRIC_BAD_INPUT', `bootstrapCi: level must be in (0, 1), got ${level}`);
  let groupRows: Uint32Array[];
  if (options.groups) {
    if (options.groups.length !== n)
      throw new TrainError('METRIC_BAD_INPUT', `bootstrapCi: groups has ${options.groups.length} ids for ${n} rows`);
    const byId = new Map<string, number[]>();
    options.groups.forEach((g, i) => {
      const list = byId.get(g);
      if (list) list.push(i);
      else byId.set(g, [i]);
    });
    groupRows = [...byId.values()].map((r) => Uint32Array.from(r));
  } else {
    groupRows = Array.from({ length: n }, (_, i) => Uint32Array.of(i));
  }
  const estimates = metrics(Uint32Array.from({ length: n }, (_, i) => i));
  const names = Object.keys(estimates).filter((k) => Number.isFinite(estimates[k]));
  const values = new Map<string, number[]>(names.map((k) => [k, []]));
  const rnd = mulberry32(seed);
  const g = groupRows.length;
  for (let r = 0; r < replicates; r++) {
    const picks: Uint32Array[] = [];
    let total = 0;
    for (let i = 0; i < g; i++) {
      const rows = groupRows[Math.floor(rnd() * g)]!;
      picks.push(rows);
      total += rows.length;
    }
    const sample = new Uint32Array(total);
    let o = 0;
    for (const p of picks) {
      sample.set(p, o);
      o += p.length;
    }
    let m: Record<string, number> = {};
    try {
      m = metrics(sample);
    } catch (err) {
      if (!(err instanceof TrainError && err.code === 'METRIC_BAD_INPUT')) throw err;
    }
    for (const k of names) {
      const v = m[k];
      if (v !== undefined && Number.isFinite(v)) values.get(k)!.push(v);
    }
  }
  const alpha = (1 - level) / 2;
  const out: Record<string, BootstrapInterval> = {};
  for (const k of names) {
    const v = values.get(k)!.sort((a, b) => a - b);
    if (v.length === 0)
      throw new TrainError('METRIC_BAD_INPUT', `bootstrapCi: metric '${k}' was undefined on every resample`);
    out[k] = {
      estimate: estimates[k]!,
      lower: quantileSorted(v, alpha),
      upper: quantileSorted(v, 1 - alpha),
      level,
      replicates: v.length,
      skipped: replicates - v.length,
      seed,
      resampled: options.groups ? 'groups' : 'rows',
    };
  }
  return out;
}
