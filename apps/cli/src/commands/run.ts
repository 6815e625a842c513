import {
  dryRunPipeline,
  runPipeline,
  UsageError,
  type DryRunResult,
  type StageEvent,
  type StageExecutor,
} from '@transfusion/pipeline';
import type { QueueStageEvent } from '@transfusion/pipeline/queue';
import { commandArgs, defaultStore, PIPELINE_FLAGS, pipelineSource, positiveInt } from '../args.js';
import { progressDisplay } from '../progress.js';
import { isResourceClass } from './worker.js';

export const summary = 'run a pipeline; only stages whose inputs, params or code changed rerun';

export const help = `Usage: transfusion run <pipeline.yaml> [options]

Runs every stage of the pipeline that is not already in the store under its cache key
(stage code + params + input contents + package versions + declared env), in dependency order,
independent stages in parallel child processes. Outputs are linked under <out>/<pipeline>/<stage>/.

Options:
  --set PATH=VALUE     override a value of the file before validation (repeatable), e.g.
                       --set vars.epochs=3  --set stages.train.with.lr=0.01
  --only STAGE         run only this stage (instance id, stage name or * pattern) and what it needs (repeatable)
  --until STAGE        the same: this stage and everything it needs (repeatable)
  --downstream STAGE   this stage and everything after it (and what those need, usually cached); with --until
                       or --only, only the stages between the two (repeatable)
  --force STAGE[,...]  rerun these stages and everything downstream of them even when cached (repeatable)
  --dry-run            say what would run and why (new, params / inputs / code / data changed, forced) and what
                       is cached; runs, writes and locks nothing (with --json: one object per stage, then a summary)
  --jobs N             stages running at once (default: number of cores; queue: stages queued at once, 1000).
                       Local stages each get TRANSFUSION_THREADS = cores / N (1 to 8) unless you set it
  --executor local|queue  where stages run (default: local). queue: each stage that misses the cache becomes
                       a job on Redis, run by \`transfusion worker\`s on any machines sharing the store
  --redis URL          queue executor: redis://[user:password@]host[:port][/db] or rediss:// (default:
                       $TRANSFUSION_REDIS_URL; prefer it for passwords)
  --queue cpu|gpu      queue executor: send every stage to this queue (default: the class each stage declares)
  --prefix NAME        queue executor: Redis key prefix shared with the workers (default: transfusion)
  --attempts N         queue executor: attempts per stage, retried with exponential backoff (default: 3)
  --store PATH         artifact store (default: $TRANSFUSION_STORE or .transfusion)
  --out DIR            folder for human-facing output links (default: out; --no-out for none)
  --no-out             do not write output links
  --pin NAME           keep this run's results under NAME; gc never removes them
  --fail-fast          start nothing new after the first failure
  --exit-with-parent   stop as on SIGTERM when the process that started this one exits, however it died
                       (for wrappers such as Nx targets: start it with \`exec\` so the wrapper is the parent)
  --registry MODULE    JS module exporting \`stages\` to use instead of the built-in ones
  --json               one JSON object per stage event on stdout, then {"summary": ...}
  -h, --help           this help

Exit codes: 0 success, 1 a stage failed, 2 bad input (nothing was run or written), 130 interrupted.`;

export async function main(argv: string[]): Promise<number> {
  const args = commandArgs('run', argv, help, {
    ...PIPELINE_FLAGS,
    only: { type: 'string', multiple: true },
    jobs: { type: 'string' },
    executor: { type: 'string' },
    redis: { type: 'string' },
    queue: { type: 'string' },
    prefix: { type: 'string' },
    attempts: { type: 'string' },
    out: { type: 'string' },
    'no-out': { type: 'boolean' },
    pin: { type: 'string' },
    'fail-fast': { type: 'boolean' },
    until: { type: 'string', multiple: true },
    downstream: { type: 'string', multiple: true },
    force: { type: 'string', multiple: true },
    'dry-run': { type: 'boolean' },
    'exit-with-parent': { type: 'boolean' },
  });
  if (!args) return 0;
  const { values, positionals } = args;
  if (positionals.length !== 1)
    throw new UsageError(
      `transfusion run: expected one pipeline file, got ${positionals.length} (see transfusion run --help)`,
    );
  const executorName = values.executor ?? 'local';
  if (executorName !== 'local' && executorName !== 'queue')
    throw new UsageError(`--executor ${values.executor}: expected local or queue`);
  if (executorName === 'local') {
    for (const flag of ['redis', 'queue', 'prefix', 'attempts'] as const) {
      if (values[flag] !== undefined) throw new UsageError(`--${flag} applies only with --executor queue`);
    }
  }
  if (values.queue !== undefined && !isResourceClass(values.queue))
    throw new UsageError(`--queue ${values.queue}: expected cpu or gpu`);
  if (values.prefix !== undefined && !/^[A-Za-z0-9_.-]+$/.test(values.prefix))
    throw new UsageError(`--prefix ${values.prefix}: expected letters, digits, ., _ or -`);
  const attempts = positiveInt('--attempts', values.attempts);
  const jobs = positiveInt('--jobs', values.jobs);
  const redis = values.redis ?? process.env['TRANSFUSION_REDIS_URL'];
  if (executorName === 'queue' && !redis)
    throw new UsageError('--executor queue needs --redis URL (or $TRANSFUSION_REDIS_URL)');
  if (values.pin !== undefined && !/^[A-Za-z0-9_.-]+$/.test(values.pin))
    throw new UsageError(`--pin ${values.pin}: expected letters, digits, ., _ or -`);

  // What both a dry run and a run are asked: which pipeline, which stages, which store.
  const request = {
    ...pipelineSource(positionals[0]!, values),
    only: values.only ?? [],
    until: values.until ?? [],
    downstream: values.downstream ?? [],
    force: (values.force ?? []).flatMap((f) => f.split(',')).filter(Boolean),
    store: defaultStore(values.store),
  };
  if (values['dry-run']) {
    for (const flag of ['pin', 'out', 'no-out', 'fail-fast'] as const) {
      if (values[flag] !== undefined)
        throw new UsageError(`--${flag} has no effect with --dry-run (nothing runs or is written)`);
    }
    const dry = await dryRunPipeline(request);
    printDryRun(dry, Boolean(values.json));
    return 0;
  }

  const controller = new AbortController();
  let signals = 0;
  const stop = (why: string): void => {
    const what =
      executorName === 'queue'
        ? 'no longer waiting; queued jobs stay on the queue and a rerun picks them up'
        : 'stopping running stages';
    process.stderr.write(`\n${why}: ${what} (again to quit at once)\n`);
    controller.abort();
  };
  const onSignal = (sig: NodeJS.Signals): void => {
    signals++;
    if (signals > 1) process.exit(sig === 'SIGINT' ? 130 : 143);
    stop(sig);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // A wrapper killed with SIGKILL cannot pass anything on: its children only see their parent pid change.
  let parentWatch: NodeJS.Timeout | undefined;
  if (values['exit-with-parent']) {
    const parent = process.ppid;
    parentWatch = setInterval(() => {
      if (process.ppid === parent || controller.signal.aborted) return;
      signals++;
      stop(`the parent process ${parent} exited`);
    }, 250);
    parentWatch.unref();
  }

  const display = progressDisplay();
  const json = Boolean(values.json);
  let executor: StageExecutor | undefined;
  if (executorName === 'queue') {
    // On a terminal the live block shows "running on WORKER"; elsewhere one plain line per queue state change.
    const plain = !process.stderr.isTTY;
    const { queueExecutor } = await import('@transfusion/pipeline/queue'); // BullMQ only when used
    executor = await queueExecutor({
      redis: redis!,
      ...(values.prefix ? { prefix: values.prefix } : {}),
      ...(values.queue && isResourceClass(values.queue) ? { queue: values.queue } : {}),
      ...(attempts ? { attempts } : {}),
      ...(jobs ? { inFlight: jobs } : {}),
      onEvent: (e: QueueStageEvent) => {
        if (e.note) process.stderr.write(`note: ${e.note}\n`);
        if (plain && e.state !== 'done' && e.state !== 'failed') process.stderr.write(`${queueLine(e)}\n`);
      },
    });
  }
  const summary = await runPipeline({
    ...request,
    ...(executor ? { executor } : { jobs }),
    outRoot: values['no-out'] ? null : (values.out ?? 'out'),
    pin: values.pin,
    failFast: Boolean(values['fail-fast']),
    signal: controller.signal,
    observer: {
      ...display,
      finished(event: StageEvent) {
        display.finished?.(event);
        if (json) process.stdout.write(`${JSON.stringify(event)}\n`);
      },
    },
  }).finally(async () => {
    display.close();
    await executor?.close?.(); // runPipeline closes it too, except when the pipeline is rejected before running
  });
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  clearInterval(parentWatch);

  if (json) process.stdout.write(`${JSON.stringify({ summary })}\n`);
  else {
    const parts = [`${summary.cached} cached`, `${summary.ran} ran`, `${summary.failed} failed`];
    if (summary.skipped.length) parts.push(`${summary.skipped.length} skipped`);
    process.stdout.write(
      `${summary.pipeline}: ${summary.stages} stages — ${parts.join(', ')} (${summary.seconds} s)\n`,
    );
    if (summary.skipped.length)
      process.stderr.write(`skipped (an upstream failed or the run stopped): ${summary.skipped.join(', ')}\n`);
  }
  if (summary.interrupted) return 130;
  return summary.failed > 0 || summary.skipped.length > 0 ? 1 : 0;
}

/** One stderr line per queue state change of a stage: queued, running on WORKER, retrying, stalled. */
function queueLine(e: QueueStageEvent): string {
  const where = e.worker ? ` on ${e.worker}` : '';
  const attempt =
    e.attempt && (e.attempt > 1 || e.state === 'retrying')
      ? ` (attempt ${e.attempt}${e.state === 'retrying' ? ' failed' : ''})`
      : '';
  const why = e.error ? `: ${e.error.split('\n')[0]}` : '';
  return `queue   ${e.state.padEnd(8)} ${e.stage}${where} [${e.queue}]${attempt}${why}`;
}

/** `run --dry-run`: one line per stage (would run, with the first reason; further reasons indented), then a count. */
function printDryRun(dry: DryRunResult, json: boolean): void {
  if (json) {
    for (const s of dry.stages) process.stdout.write(`${JSON.stringify(s)}\n`);
    process.stdout.write(
      `${JSON.stringify({ summary: { pipeline: dry.pipeline, stages: dry.stages.length, run: dry.run, cached: dry.cached, dryRun: true } })}\n`,
    );
    return;
  }
  const width = Math.max(0, ...dry.stages.map((s) => s.stage.length));
  for (const s of dry.stages) {
    const [first, ...rest] = s.changes;
    process.stdout.write(
      `${s.action === 'run' ? 'run   ' : 'cached'}  ${s.stage.padEnd(width)}${first ? `  ${first}` : ''}\n`,
    );
    for (const c of rest) process.stdout.write(`        ${' '.repeat(width)}  ${c}\n`);
  }
  process.stdout.write(
    `${dry.pipeline}: ${dry.stages.length} stages — ${dry.run} would run, ${dry.cached} cached (dry run: nothing was run or written)\n`,
  );
}
