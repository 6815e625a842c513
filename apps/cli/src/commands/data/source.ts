// The dataset a data command reads, from the source flags: a manifest for file formats, an in-memory set otherwise.
import {
  generateSyntheticSet,
  loadAptos,
  loadChexpert,
  loadCsvDataset,
  loadDicomFolder,
  loadEyepacs,
  loadFolderDataset,
  readMedmnist,
  type FileFormat,
  type ImageSet,
  type Manifest,
  type SyntheticKind,
} from '@transfusion/data';
import { UsageError } from '@transfusion/pipeline';
import { z } from 'zod';
import { need, type Flags } from './flags.js';

/** Loads the dataset named by the flags: a manifest for file formats, an in-memory set otherwise. */
export async function openSource(f: Flags): Promise<{ manifest: Manifest } | { set: ImageSet; root: string }> {
  const format = need(f.format, '--format');
  const seed = f.seed ?? 0;
  if (format.startsWith('synthetic-')) {
    const kind = format.slice('synthetic-'.length) as SyntheticKind;
    const base = { count: f.count ?? 1000, size: f.size ?? 64, seed, difficulty: f.difficulty ?? 0.5 };
    const opts =
      kind === 'chest'
        ? { ...base, policy: f.policy ?? 'ignore' }
        : kind === 'natural'
          ? { ...base, classes: f.classes ?? 16 }
          : base;
    return { set: generateSyntheticSet(kind, opts), root: '' };
  }
  const root = need(f.root, '--root');
  if (format === 'medmnist') return { set: await readMedmnist({ file: root }), root };
  const common = { root, seed, onBadRow: f['on-bad-row'] ?? 'skip' } as const;
  const labelPolicy = { policy: f.policy ?? 'ignore', blank: f.blank ?? 'zero' } as const;
  let manifest: Manifest;
  switch (format as FileFormat) {
    case 'chexpert':
      manifest = await loadChexpert({ ...common, ...labelPolicy, frontalOnly: !f['all-views'] });
      break;
    case 'eyepacs':
      manifest = await loadEyepacs({ ...common, task: f.task ?? 'grade' });
      break;
    case 'aptos':
      manifest = await loadAptos({ ...common, task: f.task ?? 'grade' });
      break;
    case 'csv':
      manifest = await loadCsvDataset({
        ...common,
        ...labelPolicy,
        ...csvLabels(f),
        csv: f.csv ?? 'index.csv',
        pathColumn: f['path-column'] ?? 'path',
      });
      break;
    case 'dicom':
      manifest = await loadDicomFolder({
        ...common,
        labels: f.csv
          ? {
              from: 'csv',
              csv: f.csv,
              key: 'path',
              keyColumn: f['path-column'] ?? 'path',
              ...labelPolicy,
              ...csvLabels(f),
            }
          : { from: 'folders' },
      });
      break;
    default:
      manifest = await loadFolderDataset(common);
  }
  return { manifest };
}

function csvLabels(f: Flags): { labelColumns: string[]; kind: 'multiclass' | 'binary' | 'multilabel' } {
  const kind = z.enum(['multiclass', 'binary', 'multilabel']).safeParse(f.kind ?? 'multiclass');
  if (!kind.success) throw new UsageError('--kind: expected multiclass, binary or multilabel');
  return { labelColumns: (f['label-columns'] ?? 'label').split(',').map((s) => s.trim()), kind: kind.data };
}
