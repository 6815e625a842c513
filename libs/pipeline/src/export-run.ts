import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { tableFromIPC, type Table } from 'apache-arrow';
import { UsageError } from './errors.js';
import type { RunLog } from './runs.js';
import { Store } from './store.js';
import { eventFile, type ScalarEvent } from './tfevents.js';

export interface ExportResult {
  dir: string;
  /** Relative paths of the files written. */
  files: string[];
  histories: number;
  metrics: number;
  /** Stages of the run whose results are no longer in the store. */
  missing: string[];
}

function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  if (typeof v === 'bigint') return v.toString();
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function tableCsv(t: Table): string {
  const cols = t.schema.fields.map((f) => f.name);
  const lines = [cols.map(csvCell).join(',')];
  for (let i = 0; i < t.numRows; i++) lines.push(cols.map((c) => csvCell(t.getChild(c)!.get(i))).join(','));
  return `${lines.join('\n')}\n`;
}

/** Numeric columns of a history table, as TensorBoard scalars per step (`step` column; NaN values left out). */
function historyEvents(t: Table, wallTime: number): ScalarEvent[] {
  const step = t.getChild('step');
  if (!step) return [];
  const cols = t.schema.fields
    .filter((f) => f.name !== 'step' && /^(Float|Int)/.test(String(f.type)))
    .map((f) => f.name);
  const events: ScalarEvent[] = [];
  for (let i = 0; i < t.numRows; i++) {
    const values: Record<string, number> = {};
    for (const c of cols) {
      const v = Number(t.getChild(c)!.get(i));
      if (Number.isFinite(v)) values[`history/${c}`] = v;
    }
    events.push({ step: Number(step.get(i)), wallTime, values });
  }
  return events;
}

/**
 * Writes a run's training histories and metrics for the tools people already use: every finished stage's output
 * named `history` (a table with a `step` column) and `metrics` (a table with `metric` and `value` columns).
 *   csv:          metrics.csv (stage, metric, value), history/<stage>.csv (the table as it is)
 *   tensorboard:  tensorboard/<stage>/events.out.tfevents.<time>.<host>: `history/<column>` per step, `metrics/<name>`
 *                 at step 0; `tensorboard --logdir DIR/tensorboard` shows one run per stage instance
 * Everything is written to a fresh folder next to `dir` and renamed into place at the end: `dir` must not exist.
 */
export async function exportRun(
  storeRoot: string,
  log: RunLog,
  dir: string,
  opts: { csv: boolean; tensorboard: boolean },
): Promise<ExportResult> {
  dir = resolve(dir);
  if (
    await stat(dir).then(
      () => true,
      () => false,
    )
  )
    throw new UsageError(`--out ${dir}: already exists; give a new folder (nothing was written)`);
  const store = Store.openReadOnly(storeRoot);
  const tmp = join(dirname(dir), `.${basename(dir)}.tmp-${randomBytes(4).toString('hex')}`);
  const files: string[] = [];
  const missing: string[] = [];
  const write = async (rel: string, content: string | Uint8Array): Promise<void> => {
    await mkdir(dirname(join(tmp, rel)), { recursive: true });
    await writeFile(join(tmp, rel), content);
    files.push(rel);
  };
  let histories = 0;
  const metricRows: string[] = [];
  const host = hostname().replace(/[^A-Za-z0-9_.-]/g, '_');
  try {
    await mkdir(dirname(dir), { recursive: true });
    await mkdir(tmp);
    for (const [stage, key] of Object.entries(log.stages)) {
      const record = await store.readRecordUnchecked(key);
      if (!record) {
        missing.push(stage);
        continue;
      }
      const wallTime = Date.parse(record.startedAt) / 1000;
      const read = async (name: string): Promise<Table | null> => {
        const out = record.outputs[name];
        if (out?.kind !== 'file') return null;
        const bytes = await readFile(store.objectPath(out.hash)).catch(() => null);
        if (!bytes) {
          missing.push(stage);
          return null;
        }
        return tableFromIPC(bytes);
      };
      const events: ScalarEvent[] = [];
      const history = await read('history');
      if (history?.getChild('step')) {
        histories++;
        if (opts.csv) await write(`history/${stage}.csv`, tableCsv(history));
        events.push(...historyEvents(history, wallTime));
      }
      const metrics = await read('metrics');
      const names = metrics?.getChild('metric');
      const values = metrics?.getChild('value');
      if (metrics && names && values) {
        const scalars: Record<string, number> = {};
        for (let i = 0; i < metrics.numRows; i++) {
          const v = Number(values.get(i));
          metricRows.push([stage, names.get(i), v].map(csvCell).join(','));
          if (Number.isFinite(v)) scalars[`metrics/${String(names.get(i))}`] = v;
        }
        events.push({ step: 0, wallTime, values: scalars });
      }
      if (opts.tensorboard && events.length) {
        await write(
          `tensorboard/${stage}/events.out.tfevents.${Math.floor(wallTime)}.${host}`,
          eventFile(events, wallTime),
        );
      }
    }
    if (opts.csv) await write('metrics.csv', `stage,metric,value\n${metricRows.map((r) => `${r}\n`).join('')}`);
    await rename(tmp, dir);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
  return { dir, files: files.sort(), histories, metrics: metricRows.length, missing: [...new Set(missing)].sort() };
}
