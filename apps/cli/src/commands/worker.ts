import { UsageError } from '@transfusion/pipeline';
import type { ResourceClass, WorkerEvent } from '@transfusion/pipeline/queue';
import { commandArgs, defaultStore, positiveInt, REGISTRY_DEFAULT } from '../args.js';

export const summary = 'take stage jobs from Redis and run them (queue executor; run it on every machine)';

export const help = `Usage: transfusion worker --redis URL --store PATH [options]

Serves one queue of \`transfusion run --executor queue\`: takes each stage job, runs it in a child process with
the same stage runner as the local executor, and commits the result to the shared store with the same protocol,
so artifacts are identical whichever machine ran a stage. Start as many workers as you like, on any machines
that see the same store at the same path and the pipeline folder at the same path (e.g. an NFS mount).

A job only names a stage: the worker runs stage ids from its own registry, refuses others, refuses \`exec\`
stages (arbitrary commands) unless started with --allow-exec, and refuses a job whose cache key its own code,
package versions or runtime would not produce. A refused job fails at once, without retries.

Options:
  --redis URL          redis://[user:password@]host[:port][/db], rediss:// for TLS
                       (default: $TRANSFUSION_REDIS_URL; prefer it for passwords: argv is visible to other users)
  --store PATH         the shared artifact store (default: $TRANSFUSION_STORE or .transfusion)
  --queue cpu|gpu      the resource class to serve (default: cpu); stages declare theirs
  --concurrency N      jobs at once, each in its own process (default: 1)
  --allow-exec         run \`exec\` stages (commands from the pipeline file)
  --registry MODULE    JS module exporting \`stages\` (default: the built-in stages); use the coordinator's
  --prefix NAME        Redis key prefix shared with the coordinator (default: transfusion)
  --name NAME          how the coordinator shows this worker (default: host:pid)
  --lock-seconds N     a worker silent this long is presumed dead and its job goes to another (default: 30)
  --json               one JSON object per job event on stdout
  -h, --help           this help

SIGINT/SIGTERM: stop taking jobs, stop running stages and put their jobs back in the queue for another worker
(no attempt used up); a second signal quits at once. Exit codes: 0 stopped, 2 bad input or Redis setup
(unreachable, wrong password, maxmemory-policy not noeviction: the message says how to fix it).`;

export async function main(argv: string[]): Promise<number> {
  const args = commandArgs(
    'worker',
    argv,
    help,
    {
      redis: { type: 'string' },
      store: { type: 'string' },
      queue: { type: 'string' },
      concurrency: { type: 'string' },
      'allow-exec': { type: 'boolean' },
      registry: { type: 'string' },
      prefix: { type: 'string' },
      name: { type: 'string' },
      'lock-seconds': { type: 'string' },
      json: { type: 'boolean' },
    },
    false,
  );
  if (!args) return 0;
  const { values } = args;
  const redis = values.redis ?? process.env['TRANSFUSION_REDIS_URL'];
  if (!redis) throw new UsageError('transfusion worker: --redis URL is required (or set $TRANSFUSION_REDIS_URL)');
  const queue = values.queue ?? 'cpu';
  if (!isResourceClass(queue)) throw new UsageError(`--queue ${queue}: expected cpu or gpu`);
  if (values.prefix !== undefined && !/^[A-Za-z0-9_.-]+$/.test(values.prefix))
    throw new UsageError(`--prefix ${values.prefix}: expected letters, digits, ., _ or -`);
  const lockSeconds = positiveInt('--lock-seconds', values['lock-seconds']);
  const json = Boolean(values.json);
  const store = defaultStore(values.store);

  const log = (e: WorkerEvent): void => {
    if (json) process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), ...e })}\n`);
    const when = new Date().toISOString().slice(11, 19);
    const detail = e.error ? `\n      ${e.error.split('\n').join('\n      ')}` : '';
    process.stderr.write(
      `${when} ${e.state.padEnd(8)} ${e.stage}  (job ${e.job.slice(0, 12)}, attempt ${e.attempt})${detail}\n`,
    );
  };
  const { redactUrl, startWorker } = await import('@transfusion/pipeline/queue'); // BullMQ only when used
  const worker = await startWorker({
    redis,
    store,
    registry: values.registry ?? REGISTRY_DEFAULT,
    queue,
    ...(values.prefix ? { prefix: values.prefix } : {}),
    concurrency: positiveInt('--concurrency', values.concurrency) ?? 1,
    allowExec: Boolean(values['allow-exec']),
    ...(values.name ? { name: values.name } : {}),
    ...(lockSeconds
      ? { lockMs: lockSeconds * 1000, stalledCheckMs: Math.max(500, Math.min(30_000, lockSeconds * 1000)) }
      : {}),
    onEvent: log,
  });
  process.stderr.write(
    `worker ${worker.name}: serving queue ${worker.queue} at ${redactUrl(redis)} (prefix ${values.prefix ?? 'transfusion'}), store ${store}` +
      `${values['allow-exec'] ? ', exec allowed' : ''}; Ctrl-C to stop\n`,
  );

  await new Promise<void>((resolve) => {
    let signals = 0;
    const onSignal = (sig: NodeJS.Signals): void => {
      if (++signals > 1) process.exit(sig === 'SIGINT' ? 130 : 143);
      process.stderr.write(`\n${sig}: stopping; running jobs go back to the queue (again to quit at once)\n`);
      void worker.close().then(resolve, resolve);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  return 0;
}

export function isResourceClass(v: string): v is ResourceClass {
  return v === 'cpu' || v === 'gpu';
}
