import { parseArgs } from 'node:util';
import { z } from 'zod';
import { MODEL_NAMES, type ModelName } from '../spec.js';
import { modelSummary, type ModelSummary } from '../summary.js';
import { ModelsError } from '../errors.js';
import { buildModel, type ZooModel } from '../zoo.js';
import { intFlag, parseFlags, useCpuBackend, widthFlag, type CliIo } from './shared.js';

const LIST_HELP = `Usage: transfusion models list [options]

Builds each model (tfjs, cpu) and prints its stages, parameters (total and trainable), forward FLOPs
(2 × multiply-accumulates of conv and dense layers, for one image) and, for CBRs, the paper-style count
(conv kernels after the first plus the head's kernel). The reference column is the published count:
the paper's for CBRs (5 classes), Keras's for ResNet50/Inception-v3 (1000 classes).

Options:
  --input-size S   input side in pixels (default 224)
  --channels C     input channels (default 3)
  --classes K      outputs of the head (default 1000)
  --width W        channel width multiplier (default 1)
  --model NAME     only this model (repeatable); one of ${MODEL_NAMES.join(', ')}
  --json           one JSON array of model summaries on stdout
  -h, --help       this help
`;

const listFlagsSchema = z.object({
  'input-size': intFlag('--input-size').default(224),
  channels: intFlag('--channels').default(3),
  classes: intFlag('--classes').default(1000),
  width: widthFlag,
  model: z
    .array(z.string())
    .default([])
    .superRefine((names, ctx) => {
      for (const n of names) {
        if (!(MODEL_NAMES as readonly string[]).includes(n)) ctx.addIssue({ code: 'custom', message: `--model: unknown model '${n}'; known: ${MODEL_NAMES.join(', ')}` });
      }
    }),
  json: z.boolean().default(false),
});

function fmtInt(n: number): string {
  return n.toLocaleString('en-US');
}

function renderText(rows: ModelSummary[]): string {
  const header = ['model', 'params', 'trainable', 'paper-style', 'reference', 'GFLOPs'];
  const body = rows.map((r) => [
    r.name,
    fmtInt(r.params.total),
    fmtInt(r.params.trainable),
    r.paperStyleParams !== undefined ? fmtInt(r.paperStyleParams) : '-',
    r.reference ? `${fmtInt(r.reference.params)} (${r.reference.source}, ${r.reference.classes} classes)` : '-',
    (r.flops / 1e9).toFixed(3),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const lines = [line(header), ...body.map(line)];
  lines.push('', 'stages (output shape):');
  for (const r of rows) {
    lines.push(`  ${r.name}: ${r.stages.map((s) => `${s.name} ${s.outputShape.join('×')}`).join(', ')}`);
  }
  return lines.join('\n') + '\n';
}

export async function list(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      'input-size': { type: 'string' },
      channels: { type: 'string' },
      classes: { type: 'string' },
      width: { type: 'string' },
      model: { type: 'string', multiple: true },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.out(LIST_HELP);
    return 0;
  }
  const f = parseFlags(listFlagsSchema, values, 'list', io);
  if (!f) return 2;
  const names = (f.model.length ? f.model : MODEL_NAMES) as readonly ModelName[];
  await useCpuBackend();
  const rows: ModelSummary[] = [];
  for (const [i, name] of names.entries()) {
    io.err(`[${i + 1}/${names.length}] building ${name}\n`);
    let zm: ZooModel;
    try {
      zm = buildModel({ name, inputSize: f['input-size'], channels: f.channels, classes: f.classes, width: f.width }, { initialWeights: 'zeros' });
    } catch (e) {
      // Listing all models at a small size skips those that cannot take it; naming one makes it an error.
      if (f.model.length === 0 && e instanceof ModelsError && e.code === 'INPUT_TOO_SMALL') {
        io.err(`skipped: ${e.message}\n`);
        continue;
      }
      throw e;
    }
    rows.push(modelSummary(zm));
    zm.model.dispose();
  }
  io.out(f.json ? JSON.stringify(rows, null, 2) + '\n' : renderText(rows));
  return 0;
}

