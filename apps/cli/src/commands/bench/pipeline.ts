// `transfusion bench pipeline`: flags, help and the printed table of the engine-overhead benchmark (tools/bench).
import { parseArgs } from 'node:util';
import { benchPipeline } from '@transfusion/bench';
import { positiveInt } from '../../args.js';
import { UsageError } from '@transfusion/pipeline';
import type { CommandIo } from '../../command.js';

export const summary = 'engine overhead: cold run, fully cached rerun and one-param rerun of an N-stage exec pipeline';

const help = `Usage: transfusion bench pipeline [--stages N] [--jobs J] [--json]

Builds an N-stage exec pipeline (default 50: layers of 5 stages, each stage of a layer reading the one
above it, one fan-in stage at the end) in a temporary folder with its own store, then measures:
  cold       every stage runs (one Node process per stage writing a small Arrow table)
  cached     a fully cached rerun: the engine's own overhead (plan, keys, store lookups, output links)
  one-param  one stage's param changed: only it and its dependents rerun
Times are measured inside the process, so Nx and Node start-up are not counted.`;

/** `transfusion bench pipeline ...`; returns the exit code (1 when a stage failed). */
export async function main(argv: string[], io: CommandIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      stages: { type: 'string', default: '50' },
      jobs: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    io.stdout(`${help}\n`);
    return 0;
  }
  const stages = Number(values.stages);
  if (!Number.isInteger(stages) || stages < 2)
    throw new UsageError(`--stages ${values.stages}: expected a whole number ≥ 2`);
  const jobs = positiveInt('--jobs', values.jobs);
  const result = await benchPipeline({ stages, ...(jobs === undefined ? {} : { jobs }) }, (line) =>
    io.stderr(`${line}\n`),
  );
  if (values.json) io.stdout(`${JSON.stringify(result)}\n`);
  else
    for (const r of result.runs)
      io.stdout(
        `${r.run.padEnd(10)} ${r.seconds.toFixed(2).padStart(7)} s   ran ${r.ran}, cached ${r.cached}, failed ${r.failed}\n`,
      );
  return result.runs.some((r) => r.failed) ? 1 : 0;
}
