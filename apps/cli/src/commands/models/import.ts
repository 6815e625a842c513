// `transfusion models import`: check converted Keras weights against a zoo model and save them as Arrow.
import { parseArgs } from 'node:util';
import { importWeightsFile, MODEL_NAMES } from '@transfusion/models';
import { z } from 'zod';
import type { CommandIo } from '../../command.js';
import { intFlag, parseFlags, widthFlag } from './flags.js';

const HELP = `Usage: transfusion models import <weights.h5 | model.json | weights.arrow> --model NAME [options]

Reads weights — a Keras 2 HDF5 file as Keras applications ship them (resnet50_weights_tf_dim_ordering_tf_kernels
_notop.h5, inception_v3_..._notop.h5, or model.save('x.h5')), a tfjs layers model (model.json + shards, as
tensorflowjs_converter writes) or an Arrow weights artifact — and matches them by layer name against a zoo model:
the report says how many matched, which layers were renamed and which source weights were not used; every weight of the model
must be found with the right shape (the head may be absent). With --out the matched weights are written as
an Arrow artifact carrying the model spec, ready for pretrained, Mean Var, transfusion and Gabor init.

Options:
  --model NAME     zoo model the weights belong to (required): ${MODEL_NAMES.join(', ')}
  --width W        channel width multiplier the weights were trained with (default 1)
  --channels C     input channels of the first conv (default 3)
  --out FILE       write the Arrow artifact here; without it the weights are only checked
  --json           the report as JSON on stdout
  -h, --help       this help
`;

const flagsSchema = z.object({
  model: z.enum(MODEL_NAMES, { error: `--model is required: one of ${MODEL_NAMES.join(', ')}` }),
  width: widthFlag,
  channels: intFlag('--channels').default(3),
  out: z.string().min(1).optional(),
  json: z.boolean().default(false),
});

export async function importCommand(argv: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: true,
    options: {
      model: { type: 'string' },
      width: { type: 'string' },
      channels: { type: 'string' },
      out: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.stdout(HELP);
    return 0;
  }
  if (positionals.length !== 1) {
    io.stderr(
      `transfusion models import: expected one weights file (.h5, model.json or .arrow), got ${positionals.length}\n`,
    );
    return 2;
  }
  const f = parseFlags(flagsSchema, values, 'import', io);
  if (!f) return 2;
  const file = positionals[0]!;
  const result = await importWeightsFile(
    file,
    { model: f.model, width: f.width, channels: f.channels, ...(f.out ? { out: f.out } : {}) },
    (line) => io.stderr(`${line}\n`),
  );
  if (f.json) {
    io.stdout(`${JSON.stringify(result, null, 2)}\n`);
  } else {
    const lines = [
      `${file}: ${result.loaded} weights match ${result.model} (head ${result.head}; ${result.renamed} layers renamed)`,
      ...(result.unused.length
        ? [
            `unused source weights (${result.unused.length}): ${result.unused.slice(0, 10).join(', ')}${result.unused.length > 10 ? ', ...' : ''}`,
          ]
        : []),
      ...result.warnings.map((w) => `warning: ${w}`),
      f.out ? `wrote ${f.out}` : 'checked only (pass --out FILE to write the Arrow artifact)',
    ];
    io.stdout(`${lines.join('\n')}\n`);
  }
  return 0;
}
