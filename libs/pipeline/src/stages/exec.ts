import { execa } from 'execa';
import { z } from 'zod';
import { StageError } from '../errors.js';
import { defineStage } from '../stage.js';

const execParams = z.strictObject({
  /** argv; no shell, so nothing is interpolated or globbed. */
  command: z.array(z.string().min(1)).min(1, 'a command: [program, arg, ...]'),
  /** Passed as the JSON of TRANSFUSION_PARAMS. */
  params: z.record(z.string(), z.unknown()).default({}),
  /** Files (relative to the pipeline file) hashed into the key, e.g. the script itself. */
  deps: z.array(z.string().min(1)).default([]),
  /**
   * Data the command reads from outside the store (files or folders, relative to the pipeline file unless
   * absolute): fingerprinted into the key — small files by content, large ones by size and mtime.
   */
  data: z.array(z.string().min(1)).default([]),
  /** Extra environment variables for the command; their values are part of the key. */
  env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string()).default({}),
});

/**
 * Runs any command as a stage, so users can wire their own scripts into a pipeline (contract in the README):
 * cwd = the pipeline file's folder; TRANSFUSION_OUT = an empty private folder where output NAME is written as
 * `NAME.arrow` or `NAME/`; TRANSFUSION_WORK = the stage's working folder (ctx.workDir: kept across failed attempts,
 * removed after the commit); TRANSFUSION_IN_<NAME> = each input's path (several paths joined by the platform's
 * path delimiter for inputs that name many instances); TRANSFUSION_PARAMS = the JSON of `with.params`.
 */
export const execStage = defineStage({
  id: 'exec',
  source: import.meta.url,
  description: 'Run a command (argv, no shell) with inputs, outputs and params passed through the environment.',
  params: execParams,
  inputs: {},
  openInputs: true,
  outputs: 'declared',
  codeFiles: (params) => params.deps,
  dataPaths: (params) => params.data,
  async run(ctx) {
    const env: Record<string, string> = {
      ...ctx.params.env,
      TRANSFUSION_OUT: ctx.outDir,
      TRANSFUSION_WORK: ctx.workDir,
      TRANSFUSION_PARAMS: JSON.stringify(ctx.params.params),
    };
    for (const [name, path] of Object.entries(ctx.inputPaths)) {
      env[`TRANSFUSION_IN_${name.toUpperCase()}`] = Array.isArray(path)
        ? path.join(process.platform === 'win32' ? ';' : ':')
        : path;
    }
    const [program, ...args] = ctx.params.command as [string, ...string[]];
    const result = await execa(program, args, {
      cwd: ctx.pipelineDir,
      env,
      stdin: 'ignore',
      stdout: 'inherit',
      stderr: 'inherit',
      reject: false,
      cancelSignal: ctx.signal,
      forceKillAfterDelay: 5000,
    });
    if (result.failed) {
      const why =
        result.exitCode !== undefined
          ? `exit code ${result.exitCode}`
          : result.signal
            ? `signal ${result.signal}`
            : result.shortMessage;
      throw new StageError(`command ${JSON.stringify(ctx.params.command)} failed (${why})`);
    }
  },
});
