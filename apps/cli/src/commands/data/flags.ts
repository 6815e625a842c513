// The flags every `transfusion data` command shares (one parser, one schema), and their help text.
import { FILE_FORMATS, formatZodIssues, SYNTHETIC_KINDS } from '@transfusion/data';
import { UsageError } from '@transfusion/pipeline';
import { z } from 'zod';
import { parseCheckedFlags } from '../../args.js';

export const FORMATS = [...FILE_FORMATS, 'medmnist', ...SYNTHETIC_KINDS.map((k) => `synthetic-${k}` as const)] as const;

export const SOURCE_HELP = `Dataset source:
  --format F          ${FORMATS.join(' | ')}
  --root PATH         dataset root (for medmnist: the .npz file)
  --policy P          uncertain labels: ignore (U-Ignore, default) | zeros | ones
  --blank B           blank label cells: zero (default) | ignore
  --task T            eyepacs/aptos: grade (5 classes, default) | referable (grade >= 2)
  --all-views         chexpert: keep lateral views too (default: frontal only)
  --csv FILE          csv: index file (relative to --root)        [default index.csv]
                      dicom: label CSV (without it, class folders give the labels)
  --path-column C     csv, dicom: image path column                [default path]
  --label-columns L   csv, dicom: comma-separated label columns    [default label]
  --kind K            csv, dicom: multiclass | binary | multilabel [default multiclass]
  --on-bad-row M      skip (report and continue, default) | fail (stop at the first bad row)
  --seed N            seed of the patient-level split (and of synthetic sets)  [default 0]
  --count N           synthetic: number of images                  [default 1000]
  --difficulty D      synthetic: 0 (easy) .. 1 (hard)               [default 0.5]
`;

const optionDefs = {
  help: { type: 'boolean', short: 'h' },
  format: { type: 'string' },
  root: { type: 'string' },
  policy: { type: 'string' },
  blank: { type: 'string' },
  task: { type: 'string' },
  'all-views': { type: 'boolean' },
  csv: { type: 'string' },
  'path-column': { type: 'string' },
  'label-columns': { type: 'string' },
  kind: { type: 'string' },
  'on-bad-row': { type: 'string' },
  seed: { type: 'string' },
  count: { type: 'string' },
  difficulty: { type: 'string' },
  classes: { type: 'string' },
  json: { type: 'boolean' },
  'max-rejected': { type: 'string' },
  out: { type: 'string' },
  samples: { type: 'string' },
  split: { type: 'string', multiple: true },
  size: { type: 'string' },
  'min-size': { type: 'string' },
  fit: { type: 'string' },
  channels: { type: 'string' },
  fundus: { type: 'string' },
  'shard-size': { type: 'string' },
  limit: { type: 'string' },
  work: { type: 'string' },
  'no-resume': { type: 'boolean' },
  concurrency: { type: 'string' },
} as const;

const int = (min: number) => z.coerce.number().int().min(min);
const flagsSchema = z.object({
  format: z.enum(FORMATS).optional(),
  root: z.string().min(1).optional(),
  policy: z.enum(['ignore', 'zeros', 'ones']).optional(),
  blank: z.enum(['zero', 'ignore']).optional(),
  task: z.enum(['grade', 'referable']).optional(),
  'all-views': z.boolean().optional(),
  csv: z.string().min(1).optional(),
  'path-column': z.string().min(1).optional(),
  'label-columns': z.string().min(1).optional(),
  kind: z.string().optional(),
  'on-bad-row': z.enum(['skip', 'fail']).optional(),
  seed: int(0).optional(),
  count: int(1).optional(),
  difficulty: z.coerce.number().min(0).max(1).optional(),
  classes: int(2).optional(),
  json: z.boolean().optional(),
  'max-rejected': int(0).optional(),
  out: z.string().min(1).optional(),
  samples: int(1).max(400).optional(),
  split: z.array(z.enum(['train', 'val', 'test'])).optional(),
  size: int(8).max(2048).optional(),
  'min-size': int(8).max(2048).optional(),
  fit: z.enum(['pad', 'crop', 'stretch']).optional(),
  channels: z.enum(['auto', '1', '3']).optional(),
  fundus: z.enum(['none', 'trim', 'circle', 'graham']).optional(),
  'shard-size': int(1).optional(),
  limit: int(1).optional(),
  work: z.string().min(1).optional(),
  'no-resume': z.boolean().optional(),
  concurrency: int(1).max(64).optional(),
  help: z.boolean().optional(),
});
export type Flags = z.infer<typeof flagsSchema>;

/** Parses and checks the flags of a data command; a bad flag or value is a UsageError naming the flag. */
export function parseDataFlags(args: string[]): Flags {
  // every problem, not only the first, the first one's path as its flag
  return parseCheckedFlags(args, optionDefs, flagsSchema, {
    wording: (issues) => formatZodIssues(issues).replace(/^(\S+):/, '--$1:'),
  }).flags;
}

/** The value of a required flag, or a UsageError naming it. */
export function need<T>(v: T | undefined, flag: string): T {
  if (v === undefined) throw new UsageError(`${flag} is required`);
  return v;
}
