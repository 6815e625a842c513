import { parseArgs } from 'node:util';
import { z } from 'zod';
import { assertArchitecture } from '../init/match.js';
import { pretrainedInit } from '../init/transfer.js';
import { loadWeights, saveWeights } from '../io/artifact.js';
import { importKerasH5Weights } from '../io/keras-h5.js';
import { importLayersModelWeights } from '../io/layers-format.js';
import { MODEL_NAMES } from '../spec.js';
import type { WeightMap, WeightSource } from '../weights.js';
import { buildModel } from '../zoo.js';
import { intFlag, parseFlags, useCpuBackend, widthFlag, type CliIo } from './shared.js';

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

async function readSource(path: string): Promise<WeightSource & { warnings: string[] }> {
  if (/\.(h5|hdf5|keras\.h5)$/i.test(path)) return importKerasH5Weights(path);
  if (path.endsWith('.json')) return importLayersModelWeights(path);
  return { ...(await loadWeights(path)), warnings: [] };
}

export async function importCommand(argv: string[], io: CliIo): Promise<number> {
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
    io.out(HELP);
    return 0;
  }
  if (positionals.length !== 1) {
    io.err(`transfusion models import: expected one weights file (.h5, model.json or .arrow), got ${positionals.length}\n`);
    return 2;
  }
  const f = parseFlags(flagsSchema, values, 'import', io);
  if (!f) return 2;
  const file = positionals[0]!;
  await useCpuBackend();

  io.err(`reading ${file}\n`);
  const source = await readSource(file);
  // Classes from the source's head when it has one (include_top), else Keras's 1000 with the head left out.
  const head = Object.entries(source.weights).find(([n]) => /(^|\/)(predictions|fc1000)\/kernel(:\d+)?$/.test(n))?.[1];
  const classes = head?.shape[1] ?? 1000;
  assertArchitecture(f.model, source); // before building: a wrong ResNet50/Inception build costs seconds
  const zm = buildModel({ name: f.model, classes, width: f.width, channels: f.channels });
  try {
    const { weights, report } = pretrainedInit(zm, source, { seed: 0, head: head ? 'keep' : 'reinit', inputChannels: 'strict' });
    // Only what came from the source: a head that was re-initialised is not part of the artifact.
    const matched: WeightMap = Object.fromEntries(report.loaded.map((n) => [n, weights[n]!]));
    if (f.out) await saveWeights(f.out, matched, zm.spec);
    const result = {
      source: file,
      model: zm.spec.name,
      spec: zm.spec,
      loaded: report.loaded.length,
      head: head ? 'kept' : 'not in source',
      renamed: report.renamed,
      unused: report.unused,
      warnings: [...source.warnings, ...report.warnings],
      out: f.out ?? null,
    };
    if (f.json) {
      io.out(JSON.stringify(result, null, 2) + '\n');
    } else {
      const lines = [
        `${file}: ${result.loaded} weights match ${zm.spec.name} (head ${result.head}; ${result.renamed} layers renamed)`,
        ...(result.unused.length ? [`unused source weights (${result.unused.length}): ${result.unused.slice(0, 10).join(', ')}${result.unused.length > 10 ? ', ...' : ''}`] : []),
        ...result.warnings.map((w) => `warning: ${w}`),
        f.out ? `wrote ${f.out}` : 'checked only (pass --out FILE to write the Arrow artifact)',
      ];
      io.out(lines.join('\n') + '\n');
    }
    return 0;
  } finally {
    zm.model.dispose();
  }
}
