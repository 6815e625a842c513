import { describe, expect, it } from 'vitest';
import { ArrayDataset } from '../src/data/array-dataset.js';
import { TrainError } from '../src/errors.js';
import { taskSchema } from '../src/options/task.js';
import { balancedClassWeights, resolveClassWeights } from '../src/training/class-weights.js';

const images = (n: number) => new Float32Array(n * 4);
const data = (labels: number[], n: number, mask?: number[]) =>
  new ArrayDataset({
    height: 2,
    width: 2,
    channels: 1,
    images: images(n),
    labels,
    ...(mask ? { mask: Uint8Array.from(mask) } : {}),
  });
const multiclass = taskSchema.parse({ type: 'multiclass', numClasses: 3 });
const multilabel = taskSchema.parse({ type: 'multilabel', labelNames: ['effusion', 'edema'] });

async function rejection(p: Promise<unknown>): Promise<TrainError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(TrainError);
  return err as TrainError;
}

describe("classWeights 'balanced'", () => {
  it('multi-class: n / (K · n_k) over the unmasked rows (sklearn compute_class_weight)', async () => {
    // counts 3, 2, 1 of n = 6: 6/9, 6/6, 6/3
    expect(Array.from(await balancedClassWeights(multiclass, data([0, 0, 0, 1, 1, 2], 6)))).toEqual(
      [2 / 3, 1, 2].map(Math.fround),
    );
    // one class-0 row masked out: counts 2, 2, 1 of n = 5
    expect(Array.from(await balancedClassWeights(multiclass, data([0, 0, 0, 1, 1, 2], 6, [1, 0, 1, 1, 1, 1])))).toEqual(
      [5 / 6, 5 / 6, 5 / 3].map(Math.fround),
    );
  });

  it('multi-label: n_neg / n_pos per label among unmasked entries (pos_weight)', async () => {
    const labels = [1, 0, 0, 0, 0, 0, 0, 1, 1, 0]; // 5 rows x 2 labels: effusion 2 of 5 positive, edema 1 of 5
    expect(Array.from(await balancedClassWeights(multilabel, data(labels, 5)))).toEqual([1.5, 4]);
    const mask = [1, 1, 1, 0, 1, 1, 1, 1, 1, 1]; // row 1's edema entry is not counted: 1 positive, 3 negatives
    expect(Array.from(await balancedClassWeights(multilabel, data(labels, 5, mask)))).toEqual([1.5, 3]);
  });

  it('refuses a class without samples and a label without positives or negatives', async () => {
    let err = await rejection(balancedClassWeights(multiclass, data([0, 1, 0, 1], 4)));
    expect(err.code).toBe('TRAIN_BAD_DATA');
    expect(err.message).toBe("classWeights 'balanced': train has no sample of class 2 (of 3)");
    err = await rejection(balancedClassWeights(multilabel, data([1, 0, 0, 0], 2)));
    expect(err.message).toBe("classWeights 'balanced': train has no positive sample for label 'edema' (1)");
    err = await rejection(balancedClassWeights(multilabel, data([1, 1, 1, 0], 2)));
    expect(err.message).toBe("classWeights 'balanced': train has no negative sample for label 'effusion' (0)");
  });
});

describe('explicit classWeights', () => {
  it('need one number per class (multi-class) or per label column (multi-label)', async () => {
    expect(Array.from((await resolveClassWeights([1, 2, 4], multiclass, data([0, 1, 2], 3)))!)).toEqual([1, 2, 4]);
    let err = await rejection(resolveClassWeights([1, 2], multiclass, data([0, 1, 2], 3)));
    expect(err.code).toBe('TRAIN_BAD_OPTIONS');
    expect(err.message).toBe('classWeights: 2 numbers given; the multiclass task has 3 classes');
    err = await rejection(resolveClassWeights([1, 2, 3], multilabel, data([0, 1, 1, 0], 2)));
    expect(err.message).toBe('classWeights: 3 numbers given; the training data has 2 label columns');
    expect(await resolveClassWeights(undefined, multiclass, data([0], 1))).toBeUndefined();
  });
});
