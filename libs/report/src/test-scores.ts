// Per-image test scores of the runs, arranged so that a metric under any resampling weights costs O(N):
// each label's images are sorted by score once, and a resample only changes how much each image counts.
import { ReportError } from './errors.js';
import type { Run, StudyResults, Task } from './schema.js';
import { testSetSize } from './validate.js';

/** A task's test set as indicator matrices: what every metric of the task is computed from. */
export interface TestData {
  task: Task;
  /** Images. */
  n: number;
  /** Labels (binary / multi-label) or classes (multi-class): the width of the score rows. */
  k: number;
  /** N × K 0/1: image i is positive for label (or is of class) k. */
  positive: Uint8Array;
  /** N × K 0/1: the entry counts (multi-label uncertain labels are masked out). */
  known: Uint8Array;
  /** Multi-class: the class of each image. */
  classes?: Int32Array;
  /** Image → patient index (0 … patients − 1). */
  patientOf: Int32Array;
  patients: number;
}

export function testDataOf(results: StudyResults, task: Task): TestData | undefined {
  const set = results.testSets.find((s) => s.task === task.id);
  if (!set) return undefined;
  const n = testSetSize(set, task);
  const k = task.labels.length;
  const positive = new Uint8Array(n * k);
  const known = new Uint8Array(n * k).fill(1);
  let classes: Int32Array | undefined;
  if (task.kind === 'multiclass') {
    classes = Int32Array.from(set.labels);
    classes.forEach((c, i) => (positive[i * k + c] = 1));
  } else {
    positive.set(set.labels);
    if (set.mask) known.set(set.mask);
  }
  const ids = new Map<string, number>();
  const patientOf = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const id = set.patients?.[i] ?? String(i);
    let p = ids.get(id);
    if (p === undefined) {
      p = ids.size;
      ids.set(id, p);
    }
    patientOf[i] = p;
  }
  return { task, n, k, positive, known, ...(classes ? { classes } : {}), patientOf, patients: ids.size };
}

/** Metrics a resample can recompute from the scores: macro AUC (the paper's), one label's AUC, accuracy, quadratic-weighted kappa. */
export type ResampledMetric = 'auc' | 'acc' | 'kappa' | { label: number };

/** One label's known images in ascending score order, split into groups of equal score (ties count half). */
interface SortedLabel {
  order: Int32Array;
  /** groupEnd[g] = one past the last position of tie group g. */
  groupEnd: Int32Array;
}

function sortLabel(data: TestData, scores: ArrayLike<number>, label: number): SortedLabel {
  const idx: number[] = [];
  for (let i = 0; i < data.n; i++) if (data.known[i * data.k + label]) idx.push(i);
  idx.sort((a, b) => scores[a * data.k + label]! - scores[b * data.k + label]!);
  const ends: number[] = [];
  for (let p = 1; p <= idx.length; p++) {
    if (p === idx.length || scores[idx[p]! * data.k + label] !== scores[idx[p - 1]! * data.k + label]) ends.push(p);
  }
  return { order: Int32Array.from(idx), groupEnd: Int32Array.from(ends) };
}

/** A run's test predictions, ready to be scored under image weights (a bootstrap resample's multiplicities). */
export class RunScorer {
  private readonly sorted: SortedLabel[];
  /** Multi-class: the predicted (most probable) class; multi-label: 0.5-threshold predictions. */
  readonly predicted: Int32Array | Uint8Array;

  constructor(
    readonly data: TestData,
    readonly run: Run,
    readonly scores: ArrayLike<number>,
  ) {
    this.sorted = Array.from({ length: data.k }, (_, l) => sortLabel(data, scores, l));
    const { n, k } = data;
    if (data.classes) {
      const pred = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        let best = 0;
        for (let c = 1; c < k; c++) if (scores[i * k + c]! > scores[i * k + best]!) best = c;
        pred[i] = best;
      }
      this.predicted = pred;
    } else {
      this.predicted = Uint8Array.from({ length: n * k }, (_, j) => (scores[j]! > 0.5 ? 1 : 0)); // as MedMNIST (and libs/train): > 0.5
    }
  }

  /** One label's AUC (Mann–Whitney with ties counted half) with image weights; NaN when a class has no weight. */
  labelAuc(label: number, w: ArrayLike<number>): number {
    const { order, groupEnd } = this.sorted[label]!;
    const { positive, k } = this.data;
    let negBelow = 0;
    let pairs = 0;
    let pos = 0;
    let start = 0;
    for (let g = 0; g < groupEnd.length; g++) {
      const end = groupEnd[g]!;
      let gp = 0;
      let gn = 0;
      for (let p = start; p < end; p++) {
        const i = order[p]!;
        const wi = w[i]!;
        if (positive[i * k + label]) gp += wi;
        else gn += wi;
      }
      pairs += gp * (negBelow + 0.5 * gn);
      negBelow += gn;
      pos += gp;
      start = end;
    }
    return pos > 0 && negBelow > 0 ? pairs / (pos * negBelow) : Number.NaN;
  }

  /** Macro AUC: mean over labels whose AUC is defined under these weights (as the evaluation's macro AUC). */
  auc(w: ArrayLike<number>): number {
    let sum = 0;
    let defined = 0;
    for (let l = 0; l < this.data.k; l++) {
      const v = this.labelAuc(l, w);
      if (!Number.isNaN(v)) {
        sum += v;
        defined++;
      }
    }
    return defined > 0 ? sum / defined : Number.NaN;
  }

  /** Multi-class: accuracy of the most probable class; otherwise 0.5-threshold accuracy over known entries. */
  acc(w: ArrayLike<number>): number {
    const { n, k, classes, positive, known } = this.data;
    let right = 0;
    let total = 0;
    if (classes) {
      for (let i = 0; i < n; i++) {
        total += w[i]!;
        if (this.predicted[i] === classes[i]) right += w[i]!;
      }
    } else {
      for (let j = 0; j < n * k; j++) {
        if (!known[j]) continue;
        const wi = w[Math.floor(j / k)]!;
        total += wi;
        if (this.predicted[j] === positive[j]) right += wi;
      }
    }
    return total > 0 ? right / total : Number.NaN;
  }

  /** Quadratic-weighted Cohen's kappa of the predicted class (multi-class only). */
  kappa(w: ArrayLike<number>): number {
    const { n, k, classes } = this.data;
    if (!classes) return Number.NaN;
    const confusion = new Float64Array(k * k);
    let total = 0;
    for (let i = 0; i < n; i++) {
      confusion[classes[i]! * k + this.predicted[i]!] += w[i]!;
      total += w[i]!;
    }
    if (total === 0) return Number.NaN;
    const rows = new Float64Array(k);
    const cols = new Float64Array(k);
    for (let a = 0; a < k; a++) {
      for (let b = 0; b < k; b++) {
        rows[a] += confusion[a * k + b]!;
        cols[b] += confusion[a * k + b]!;
      }
    }
    let observed = 0;
    let expected = 0;
    for (let a = 0; a < k; a++) {
      for (let b = 0; b < k; b++) {
        const weight = ((a - b) * (a - b)) / ((k - 1) * (k - 1));
        observed += weight * confusion[a * k + b]!;
        expected += (weight * rows[a]! * cols[b]!) / total;
      }
    }
    return expected > 0 ? 1 - observed / expected : Number.NaN;
  }

  metric(name: ResampledMetric, w: ArrayLike<number>): number {
    if (typeof name === 'object') return this.labelAuc(name.label, w);
    return name === 'auc' ? this.auc(w) : name === 'acc' ? this.acc(w) : this.kappa(w);
  }
}

/** Every image counted once. */
export const unitWeights = (n: number): Float64Array => new Float64Array(n).fill(1);

/**
 * Scorers for the runs that have test scores, keyed by run id. The scores must reproduce the run's own test AUC:
 * otherwise they belong to another test set or checkpoint, and the paired statistics would be about other numbers.
 */
export function runScorers(results: StudyResults): Map<string, RunScorer> {
  const out = new Map<string, RunScorer>();
  for (const task of results.tasks) {
    const data = testDataOf(results, task);
    if (!data) continue;
    const ones = unitWeights(data.n);
    results.runs.forEach((run, i) => {
      if (run.task !== task.id || !run.test) return;
      const scorer = new RunScorer(data, run, run.test.scores);
      const auc = scorer.auc(ones);
      if (!(Math.abs(auc - run.auc.macro.value) <= 1e-6)) {
        throw new ReportError(
          `study results: runs[${i}].test.scores: the scores give test AUC ${auc.toFixed(6)} but the run reports ${run.auc.macro.value.toFixed(6)}; expected the scores of the same test set and checkpoint`,
          'invalid-results',
          `runs[${i}].test.scores`,
        );
      }
      out.set(run.id, scorer);
    });
  }
  return out;
}
