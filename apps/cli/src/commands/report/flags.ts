// The flags of `transfusion report build|findings`: one parser, one schema, and the finding criteria they set.
import { parseArgs } from 'node:util';
import type { ReportOptionsInput } from '@transfusion/report';
import { UsageError } from '@transfusion/pipeline';
import { z } from 'zod';

export const OPTIONS_HELP = `Finding criteria (defaults in brackets):
  --auc-tolerance X          statements 1–2: an AUC difference within ±X counts as small [0.01 = 1 point]
  --transfer-gain-margin X   statement 3: large-model minus small-model transfer gain needed [0.005]
  --cca-gap-margin X         statement 4: Rand–Rand minus Rand–Pretrained gap that counts as real [0.01]
  --threshold-fraction F     steps-to-threshold level, relative to each task:
                             chance + F × (the task's best final validation AUC − chance) [0.9]
  --recovered-fraction F     statement 7: share of the speed-up transfusing ≤ block1 must recover [0.5]
  --large-model-ratio R      statements 2–5: "large" needs ≥ R × the parameters of the CBR it is compared with [5]
  --min-seeds N              seeds each side of a comparison needs, else "not testable" [2]
  --png-scale S              PNG pixel density relative to the SVG [2]`;

const num = z.coerce.number();
const flagsSchema = z
  .object({
    results: z.string().min(1).optional(),
    out: z.string().min(1).optional(),
    json: z.boolean().default(false),
    help: z.boolean().default(false),
    'auc-tolerance': num.optional(),
    'transfer-gain-margin': num.optional(),
    'cca-gap-margin': num.optional(),
    'threshold-fraction': num.optional(),
    'large-model-ratio': num.optional(),
    'min-seeds': num.optional(),
    'recovered-fraction': num.optional(),
    'png-scale': num.optional(),
  })
  .strict();
export type Flags = z.infer<typeof flagsSchema>;

export const stringFlags = [
  'results',
  'out',
  'auc-tolerance',
  'transfer-gain-margin',
  'cca-gap-margin',
  'threshold-fraction',
  'recovered-fraction',
  'large-model-ratio',
  'min-seeds',
  'png-scale',
];

/** Parses the flags (and, for findings, the results FILE positional); a problem is a UsageError. */
export function parseFlags(argv: string[], allowed: string[], positionals: 0 | 1 = 0): Flags {
  let values: Record<string, unknown>;
  try {
    const options = Object.fromEntries([
      ...allowed.map((k) => [k, { type: 'string' as const }]),
      ['json', { type: 'boolean' as const }],
      ['help', { type: 'boolean' as const, short: 'h' }],
    ]);
    const parsed = parseArgs({ args: argv, options, strict: true, allowPositionals: positionals > 0 });
    values = parsed.values;
    if (parsed.positionals.length > positionals)
      throw new Error(`unexpected argument '${parsed.positionals[positionals]}'`);
    // `findings FILE`: the positional is the results file
    if (parsed.positionals.length === 1) {
      if (values['results'] !== undefined)
        throw new Error(`give the results file once: '${parsed.positionals[0]}' or --results`);
      values = { ...values, results: parsed.positionals[0] };
    }
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const parsed = flagsSchema.safeParse(values);
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    throw new UsageError(`--${i.path.join('.')}: ${i.message}`);
  }
  return parsed.data;
}

/** The finding criteria given as flags, as report options. */
export function reportOptions(f: Flags): ReportOptionsInput {
  const o: Record<string, number> = {};
  const map: [keyof Flags, string][] = [
    ['auc-tolerance', 'aucTolerance'],
    ['transfer-gain-margin', 'transferGainMargin'],
    ['cca-gap-margin', 'ccaGapMargin'],
    ['threshold-fraction', 'thresholdFraction'],
    ['large-model-ratio', 'largeModelRatio'],
    ['min-seeds', 'minSeeds'],
    ['recovered-fraction', 'recoveredFraction'],
    ['png-scale', 'pngScale'],
  ];
  for (const [flag, key] of map) if (f[flag] !== undefined) o[key] = f[flag] as number;
  return o;
}
