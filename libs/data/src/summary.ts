import type { RejectedRow, RejectReason } from './errors.js';
import { labelWidth, SPLITS, type ImageSet, type LabelSpec, type Split } from './image-set.js';
import { rawState } from './labels.js';
import type { Manifest } from './manifest.js';
import { rowTargets } from './import.js';

export interface LabelCounts {
  name: string;
  /** Rows whose target is 1 and counts in the loss. */
  positive: number;
  /** Rows whose target is 0 and counts in the loss. */
  negative: number;
  /** Raw value -1 (before the policy); null when the raw labels are not known (in-memory sets). */
  uncertain: number | null;
  /** Raw blank ("not mentioned"); null when unknown. */
  blank: number | null;
  /** Masked out of the loss by the policy. */
  ignored: number;
}

export interface SplitSummary {
  split: Split;
  images: number;
  patients: number;
  labels: LabelCounts[];
}

export interface DatasetSummary {
  format: string;
  root: string;
  task: LabelSpec;
  policy?: Manifest['policy'];
  /** Rows left out by options (not errors). */
  filtered: Record<string, number>;
  splits: SplitSummary[];
  rejected: { total: number; byReason: Partial<Record<RejectReason, number>>; rows: RejectedRow[] };
}

interface Row {
  split: Split;
  patient: string;
  raw?: readonly number[];
  labels: readonly number[];
  mask: readonly number[];
}

function summarizeRows(task: LabelSpec, rows: Iterable<Row>, rawKnown: boolean): SplitSummary[] {
  const per = new Map<Split, { images: number; patients: Set<string>; labels: LabelCounts[] }>();
  const fresh = (): LabelCounts[] =>
    task.names.map((name) => ({
      name,
      positive: 0,
      negative: 0,
      uncertain: rawKnown ? 0 : null,
      blank: rawKnown ? 0 : null,
      ignored: 0,
    }));
  for (const r of rows) {
    let s = per.get(r.split);
    if (!s) {
      s = { images: 0, patients: new Set(), labels: fresh() };
      per.set(r.split, s);
    }
    s.images++;
    s.patients.add(r.patient);
    if (task.kind === 'multiclass') {
      const c = r.labels[0]!;
      s.labels.forEach((l, i) => (i === c ? l.positive++ : l.negative++));
      continue;
    }
    r.labels.forEach((v, k) => {
      const l = s!.labels[k]!;
      const raw = r.raw?.[k];
      if (raw !== undefined) {
        const st = rawState(raw);
        if (st === 'uncertain') l.uncertain = (l.uncertain ?? 0) + 1;
        if (st === 'blank') l.blank = (l.blank ?? 0) + 1;
      }
      if (!r.mask[k]) l.ignored++;
      else if (v === 1) l.positive++;
      else l.negative++;
    });
  }
  return SPLITS.filter((s) => per.has(s)).map((split) => {
    const s = per.get(split)!;
    return { split, images: s.images, patients: s.patients.size, labels: s.labels };
  });
}

function rejectedSummary(rows: RejectedRow[]): DatasetSummary['rejected'] {
  const byReason: Partial<Record<RejectReason, number>> = {};
  for (const r of rows) byReason[r.reason] = (byReason[r.reason] ?? 0) + 1;
  return { total: rows.length, byReason, rows };
}

/** Per split: images, patients, per-label positives/negatives/uncertain/blank/ignored, and rejected rows. */
export function summarizeManifest(m: Manifest, extraRejected: RejectedRow[] = []): DatasetSummary {
  const rows = m.rows.map((r) => ({ split: r.split, patient: r.patient, raw: r.raw, ...rowTargets(m, r) }));
  return {
    format: m.format,
    root: m.root,
    task: m.task,
    ...(m.policy ? { policy: m.policy } : {}),
    filtered: m.filtered ?? {},
    splits: summarizeRows(m.task, rows, true),
    rejected: rejectedSummary([...m.rejected, ...extraRejected]),
  };
}

export function summarizeImageSet(set: ImageSet, format = set.name, root = ''): DatasetSummary {
  const k = labelWidth(set.task);
  const rows: Row[] = set.ids.map((_, i) => ({
    split: set.splits[i]!,
    patient: set.patients[i]!,
    labels: Array.from(set.labels.subarray(i * k, (i + 1) * k)),
    mask: Array.from(set.mask.subarray(i * k, (i + 1) * k)),
  }));
  return {
    format,
    root,
    task: set.task,
    filtered: {},
    splits: summarizeRows(set.task, rows, false),
    rejected: rejectedSummary([]),
  };
}

/** Human-readable report of a summary. */
export function formatSummary(s: DatasetSummary, maxRejected = 20): string {
  const out: string[] = [];
  out.push(
    `${s.format} dataset at ${s.root || '(in memory)'} — task ${s.task.kind}, ${s.task.names.length} label(s)${s.policy ? `, policy U-${cap(s.policy.uncertainty)}, blank → ${s.policy.blank === 'zero' ? '0' : 'ignored'}` : ''}`,
  );
  for (const sp of s.splits) {
    out.push('');
    out.push(`${sp.split}: ${sp.images} images, ${sp.patients} patients`);
    const w = Math.max(5, ...sp.labels.map((l) => l.name.length));
    const multiclass = s.task.kind === 'multiclass';
    out.push(
      multiclass
        ? `  ${'class'.padEnd(w)}  ${'count'.padStart(8)}  ${'share'.padStart(6)}`
        : `  ${'label'.padEnd(w)}  ${'pos'.padStart(7)}  ${'neg'.padStart(7)}  ${'uncert'.padStart(7)}  ${'blank'.padStart(7)}  ${'ignored'.padStart(7)}`,
    );
    for (const l of sp.labels) {
      out.push(
        multiclass
          ? `  ${l.name.padEnd(w)}  ${String(l.positive).padStart(8)}  ${((100 * l.positive) / Math.max(1, sp.images)).toFixed(1).padStart(5)}%`
          : `  ${l.name.padEnd(w)}  ${String(l.positive).padStart(7)}  ${String(l.negative).padStart(7)}  ${String(l.uncertain ?? '-').padStart(7)}  ${String(l.blank ?? '-').padStart(7)}  ${String(l.ignored).padStart(7)}`,
      );
    }
  }
  out.push('');
  for (const [what, n] of Object.entries(s.filtered)) out.push(`filtered out: ${n} ${what}`);
  const reasons = Object.entries(s.rejected.byReason)
    .map(([r, n]) => `${r} ${n}`)
    .join(', ');
  out.push(`rejected rows: ${s.rejected.total}${reasons ? ` (${reasons})` : ''}`);
  for (const r of s.rejected.rows.slice(0, maxRejected))
    out.push(`  ${r.file}${r.line ? `:${r.line}` : ''}: ${r.reason}: ${r.message}`);
  if (s.rejected.rows.length > maxRejected)
    out.push(`  ... ${s.rejected.rows.length - maxRejected} more (use --json for all)`);
  return `${out.join('\n')}\n`;
}

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
