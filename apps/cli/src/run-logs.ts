// The recorded runs of a pipeline, as the commands that read run history (runs, params, metrics, export) find them.
import { loadPipelineFile, pickPair, readRunLogs, UsageError, type RunLog } from '@transfusion/pipeline';
import { defaultStore } from './args.js';

/** A pipeline named by its file (its `name:` or file name) or by name directly. */
export async function pipelineName(ref: string): Promise<string> {
  if (!/\.ya?ml$/.test(ref)) return ref;
  return (await loadPipelineFile(ref)).name;
}

/** The run logs of the pipeline `ref` names, oldest first, from the store --store names (or the default one). */
export async function recordedRuns(
  ref: string,
  storeFlag: string | undefined,
): Promise<{ name: string; store: string; logs: RunLog[] }> {
  const name = await pipelineName(ref);
  const store = defaultStore(storeFlag);
  return { name, store, logs: await readRunLogs(store, name) };
}

/** `transfusion <command> diff <pipeline> [RUN_A [RUN_B]]`: the two runs to compare (default the last two). */
export async function runPair(
  command: 'params' | 'metrics',
  positionals: string[],
  storeFlag: string | undefined,
): Promise<{ name: string; store: string; a: RunLog; b: RunLog }> {
  const [sub, file, ...refs] = positionals;
  if (sub !== 'diff' || !file)
    throw new UsageError(
      `transfusion ${command}: expected \`${command} diff <pipeline> [RUN_A [RUN_B]]\` (see transfusion ${command} --help)`,
    );
  const { name, store, logs } = await recordedRuns(file, storeFlag);
  const [a, b] = pickPair(logs, refs, name);
  return { name, store, a, b };
}
