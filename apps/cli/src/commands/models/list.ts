// `transfusion models list`: every zoo model with its stages, parameter counts and forward FLOPs.
import { parseArgs } from 'node:util';
import { MODEL_NAMES, summarizeZoo, type ModelName, type ModelSummary } from '@transfusion/models';
import { z } from 'zod';
import type { CommandIo } from '../../command.js';
import { intFlag, parseFlags, widthFlag } from './flags.js';

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
        if (!(MODEL_NAMES as readonly string[]).includes(n))
          ctx.addIssue({ code: 'custom', message: `--model: unknown model '${n}'; known: ${MODEL_NAMES.join(', ')}` });
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
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const lines = [line(header), ...body.map(line)];
  lines.push('', 'stages (output shape):');
  for (const r of rows) {
    lines.push(`  ${r.name}: ${r.stages.map((s) => `${s.name} ${s.outputShape.join('×')}`).join(', ')}`);
  }
  return `${lines.join('\n')}\n`;
}

export async function list(argv: string[], io: CommandIo): Promise<number> {
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
    io.stdout(LIST_HELP);
    return 0;
  }
  const f = parseFlags(listFlagsSchema, values, 'list', io);
  if (!f) return 2;
  const rows = await summarizeZoo(
    {
      inputSize: f['input-size'],
      channels: f.channels,
      classes: f.classes,
      width: f.width,
      models: f.model as ModelName[],
    }, // names checked by the schema's refine
    (line) => io.stderr(`${line}\n`),
  );
  io.stdout(f.json ? `${JSON.stringify(rows, null, 2)}\n` : renderText(rows));
  return 0;
}
