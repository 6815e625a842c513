import type { Split } from '../image-set.js';
import { encodeNpy, type NpyArray, type NpyDtype } from '@transfusion/arrow-io/npy';
import { writeZip, type ZipWriteOptions } from './zip-writer.js';

/** Writes arrays as a NumPy .npz (`{key}.npy` members), stored or deflated. For tests. */
export async function writeNpz(
  file: string,
  arrays: Readonly<Record<string, NpyArray>>,
  options: ZipWriteOptions = {},
): Promise<void> {
  await writeZip(
    file,
    Object.entries(arrays).map(([key, a]) => ({ name: `${key}.npy`, data: encodeNpy(a) })),
    options,
  );
}

export interface MedmnistSplitArrays {
  /** N × size × size × channels uint8, HWC. */
  images: Uint8Array;
  /** One label per image (stored (N,1), as MedMNIST does) or one row of K labels per image (stored (N,K)). */
  labels: readonly number[] | readonly (readonly number[])[];
}

export interface MedmnistNpzOptions {
  /** Image side (MedMNIST images are square). */
  size: number;
  /** 1 → images stored (N,H,W) like MedMNIST's grey sets; 3 → (N,H,W,3). */
  channels: 1 | 3;
  splits: Partial<Record<Split, MedmnistSplitArrays>>;
  /** Deflate (np.savez_compressed, what MedMNIST ships) or store (np.savez). Default true. */
  compress?: boolean;
  /** Label dtype; default uint8 like MedMNIST, int32 when a label is negative or above 255, float64 when one is not an integer. */
  labelDtype?: NpyDtype;
}

/**
 * Writes a MedMNIST-format .npz: `{split}_images` uint8 and `{split}_labels` for each given split. Name the
 * file `{flag}.npz` or `{flag}_{size}.npz` so readers take the task from MedMNIST's table. For tests.
 */
export async function writeMedmnistNpz(file: string, o: MedmnistNpzOptions): Promise<void> {
  const arrays: Record<string, NpyArray> = {};
  const per = o.size * o.size * o.channels;
  for (const [split, s] of Object.entries(o.splits) as [Split, MedmnistSplitArrays][]) {
    const n = s.labels.length;
    if (s.images.length !== n * per)
      throw new RangeError(
        `writeMedmnistNpz: ${split}: ${n} labels need ${n * per} pixels (${o.size}×${o.size}×${o.channels} each), got ${s.images.length}`,
      );
    arrays[`${split}_images`] = {
      dtype: 'uint8',
      shape: o.channels === 1 ? [n, o.size, o.size] : [n, o.size, o.size, 3],
      data: s.images,
    };
    const rows = s.labels.map((l) => (typeof l === 'number' ? [l] : l));
    const k = rows[0]?.length ?? 1;
    const flat = rows.flat();
    arrays[`${split}_labels`] = { dtype: o.labelDtype ?? labelDtype(flat), shape: [n, k], data: flat };
  }
  await writeNpz(file, arrays, { compress: o.compress ?? true });
}

function labelDtype(values: readonly number[]): NpyDtype {
  if (values.some((v) => !Number.isInteger(v))) return 'float64';
  return values.some((v) => v < 0 || v > 255) ? 'int32' : 'uint8';
}
