import { createImageSetWriter } from '../artifact.js';
import { packSamples, type ImageSet } from '../image-set.js';
import type { SyntheticSample } from './common.js';
import { generateChestSet, streamChestSet, type ChestOptions } from './chest.js';
import { generateFundusSet, streamFundusSet, type FundusOptions } from './fundus.js';
import { generateNaturalSet, streamNaturalSet, type NaturalOptions } from './natural.js';

export const SYNTHETIC_KINDS = ['natural', 'fundus', 'chest'] as const;
export type SyntheticKind = (typeof SYNTHETIC_KINDS)[number];
export type SyntheticOptions = { natural: NaturalOptions; fundus: FundusOptions; chest: ChestOptions };

/** Generates a synthetic demo set in memory. */
export function generateSyntheticSet<K extends SyntheticKind>(kind: K, options: SyntheticOptions[K]): ImageSet {
  if (kind === 'natural') return generateNaturalSet(options as NaturalOptions);
  if (kind === 'fundus') return generateFundusSet(options as FundusOptions);
  return generateChestSet(options as ChestOptions);
}

/** Streams a synthetic demo set sample by sample. */
export function streamSyntheticSet<K extends SyntheticKind>(
  kind: K,
  options: SyntheticOptions[K],
): Generator<SyntheticSample> {
  if (kind === 'natural') return streamNaturalSet(options as NaturalOptions);
  if (kind === 'fundus') return streamFundusSet(options as FundusOptions);
  return streamChestSet(options as ChestOptions);
}

/** Streams a synthetic set into a sharded Arrow dataset artifact without holding it in memory. */
export async function writeSyntheticSet<K extends SyntheticKind>(
  kind: K,
  options: SyntheticOptions[K],
  path: string,
  shardSize = 512,
  onProgress?: (done: number, total: number) => void,
): Promise<{ rows: number; shards: number }> {
  // a one-image set gives the header (task, channels, description) without generating everything twice
  const probe = generateSyntheticSet(kind, { ...options, count: 1 } as SyntheticOptions[K]);
  const total = (options as { count: number }).count;
  const writer = await createImageSetWriter(
    path,
    {
      name: probe.name,
      height: probe.height,
      width: probe.width,
      channels: probe.channels,
      dtype: 'uint8',
      task: probe.task,
      meta: { ...probe.meta, options: JSON.stringify(options) },
    },
    shardSize,
  );
  try {
    let buf: SyntheticSample[] = [];
    let done = 0;
    const flush = async (): Promise<void> => {
      if (!buf.length) return;
      await writer.write(packSamples(buf, probe));
      done += buf.length;
      onProgress?.(done, total);
      buf = [];
    };
    for (const s of streamSyntheticSet(kind, options)) {
      buf.push(s);
      if (buf.length === shardSize) await flush();
    }
    await flush();
  } catch (e) {
    await writer.abort();
    throw e;
  }
  return writer.close();
}
