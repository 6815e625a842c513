// `transfusion data synthetic`: a deterministic synthetic demo set written to an Arrow image set.
import { SYNTHETIC_KINDS, writeSyntheticSet } from '@transfusion/data';
import { UsageError } from '@transfusion/pipeline';
import { z } from 'zod';
import type { CommandIo } from '../../command.js';
import { need, type Flags } from './flags.js';

export const help = `transfusion data synthetic --kind K --out set.arrow [options]

Generates a synthetic demo set deterministically from --seed (see the libs/data README for the label rules).

  --kind K            natural | fundus | chest (required)
  --out FILE          Arrow file to write (required)
  --count N           number of images                             [default 1000]
  --size N            image side in pixels                         [default 64]
  --seed N            seed                                         [default 0]
  --difficulty D      0 (easy) .. 1 (hard)                          [default 0.5]
  --classes N         natural: number of classes                   [default 16]
  --policy P          chest: ignore | zeros | ones                 [default ignore]
  --shard-size N      rows per record batch                        [default 512]
  -h, --help          show this help
`;

export async function run(f: Flags, io: CommandIo): Promise<number> {
  const kind = z.enum(SYNTHETIC_KINDS).safeParse(f.kind);
  if (!kind.success) throw new UsageError(`--kind: expected one of ${SYNTHETIC_KINDS.join(', ')}`);
  const out = need(f.out, '--out');
  const base = { count: f.count ?? 1000, size: f.size ?? 64, seed: f.seed ?? 0, difficulty: f.difficulty ?? 0.5 };
  const opts =
    kind.data === 'chest'
      ? { ...base, policy: f.policy ?? 'ignore' }
      : kind.data === 'natural'
        ? { ...base, classes: f.classes ?? 16 }
        : base;
  let last = -1;
  const r = await writeSyntheticSet(kind.data, opts, out, f['shard-size'] ?? 512, (done, total) => {
    const pct = Math.floor((100 * done) / total);
    if (pct !== last) io.stderr(`synthetic-${kind.data}: ${done}/${total}\n`);
    last = pct;
  });
  io.stdout(`${JSON.stringify({ out, rows: r.rows, shards: r.shards })}\n`);
  return 0;
}
