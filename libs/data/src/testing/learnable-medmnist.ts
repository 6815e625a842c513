import { labelWidth, type LabelSpec, type Split } from '../image-set.js';
import { medmnistLabelSpec, MEDMNIST_TASKS, type MedmnistFlag } from '../formats/medmnist-info.js';
import { createRng, mixSeed } from '@transfusion/random';
import { writeMedmnistNpz, type MedmnistSplitArrays } from './npz-writer.js';

export interface LearnableMedmnistOptions {
  /** Which MedMNIST set to imitate: its task (binary, multiclass, ordinal, multilabel), label count and channels. */
  flag: MedmnistFlag;
  /** Image side; default 28. */
  size?: number;
  /** Default: the set's own channel count. */
  channels?: 1 | 3;
  /** Images per split; a split with 0 (or left out) is not written. */
  counts: Partial<Record<Split, number>>;
  seed?: number;
  /** Deflate the members (default true). */
  compress?: boolean;
}

/**
 * Images whose labels are easy to learn: grey noise (30–90) with, for every label that is on, a bright square
 * (200–240) in that label's cell of a ⌈√K⌉ × ⌈√K⌉ grid, jittered by a pixel. Binary: the positive class has
 * the square. Multiclass: row i of a split has class i mod K (every class present once a split has K rows).
 * Binary: class i mod 2. Multilabel: each label on with probability 0.3. Deterministic in the seed.
 */
export function generateLearnableMedmnist(o: LearnableMedmnistOptions): {
  task: LabelSpec;
  size: number;
  channels: 1 | 3;
  splits: Partial<Record<Split, MedmnistSplitArrays>>;
} {
  const task = medmnistLabelSpec(o.flag);
  const size = o.size ?? 28;
  const channels = o.channels ?? MEDMNIST_TASKS[o.flag].channels;
  const slots = task.kind === 'binary' ? 1 : task.names.length;
  const grid = Math.ceil(Math.sqrt(slots));
  const cell = size / grid;
  const side = Math.max(2, Math.round(cell * 0.6));
  const splits: Partial<Record<Split, MedmnistSplitArrays>> = {};
  (['train', 'val', 'test'] as const).forEach((split, splitIndex) => {
    const n = o.counts[split] ?? 0;
    if (n === 0) return;
    const rng = createRng(mixSeed(o.seed ?? 0, splitIndex));
    const images = new Uint8Array(n * size * size * channels);
    const labels: number[][] = [];
    for (let i = 0; i < n; i++) {
      const row =
        task.kind === 'multiclass'
          ? [i % slots]
          : task.kind === 'binary'
            ? [i % 2]
            : Array.from({ length: labelWidth(task) }, () => (rng.bernoulli(0.3) ? 1 : 0));
      labels.push(row);
      const on =
        task.kind === 'multiclass'
          ? [row[0]!]
          : task.kind === 'binary'
            ? row[0]
              ? [0]
              : []
            : row.flatMap((v, j) => (v ? [j] : []));
      const base = i * size * size * channels;
      for (let p = 0; p < size * size * channels; p++) images[base + p] = rng.int(30, 90);
      for (const slot of on) {
        const x0 = Math.round((slot % grid) * cell + (cell - side) / 2) + rng.int(-1, 1);
        const y0 = Math.round(Math.floor(slot / grid) * cell + (cell - side) / 2) + rng.int(-1, 1);
        for (let y = Math.max(0, y0); y < Math.min(size, y0 + side); y++) {
          for (let x = Math.max(0, x0); x < Math.min(size, x0 + side); x++) {
            for (let c = 0; c < channels; c++) images[base + (y * size + x) * channels + c] = rng.int(200, 240);
          }
        }
      }
    }
    splits[split] = { images, labels };
  });
  return { task, size, channels, splits };
}

/**
 * Writes a small MedMNIST-format file with learnable images (see generateLearnableMedmnist), e.g.
 * `writeLearnableMedmnistNpz(dir + '/pneumoniamnist.npz', { flag: 'pneumoniamnist', counts: { train: 64, val: 16, test: 32 } })`.
 * Returns the task and the labels written, per split.
 */
export async function writeLearnableMedmnistNpz(
  file: string,
  o: LearnableMedmnistOptions,
): Promise<{ task: LabelSpec; labels: Partial<Record<Split, number[][]>> }> {
  const g = generateLearnableMedmnist(o);
  await writeMedmnistNpz(file, { size: g.size, channels: g.channels, splits: g.splits, compress: o.compress ?? true });
  const labels: Partial<Record<Split, number[][]>> = {};
  for (const [split, s] of Object.entries(g.splits) as [Split, MedmnistSplitArrays][])
    labels[split] = s.labels.map((l) => (typeof l === 'number' ? [l] : [...l]));
  return { task: g.task, labels };
}
