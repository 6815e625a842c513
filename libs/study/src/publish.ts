import { copyFile, mkdir, readFile, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import {
  dagMermaid,
  loadPipelineFile,
  makeRegistry,
  pipelineDag,
  planPipeline,
  Store,
  type PipelineDag,
} from '@transfusion/pipeline';
import { renderReport } from '@transfusion/report';
import { StudyError } from './lib/run-info.js';
import { stages as studyStages } from './registry.js';

export const publishOptionsSchema = z.strictObject({
  /** The pipeline file that was run. */
  pipelineFile: z.string().min(1),
  store: z.string().min(1),
  /** Instance name of the report stage and its `files` output. */
  stage: z.string().min(1).default('report'),
  output: z.string().min(1).default('report'),
  /** Destination folder (default: reports/<pipeline name>, relative to the current directory). */
  dest: z.string().min(1).optional(),
});
export type PublishOptions = z.input<typeof publishOptionsSchema>;

export interface PublishResult {
  dest: string;
  files: string[];
  stages: number;
  wallSeconds: number;
}

/**
 * Copies the report stage's output of the pipeline's latest run from the store to `reports/<pipeline>/` (real
 * files, not links into the store) and completes its provenance with what only the engine knows: every stage's
 * cache key and the run's start, finish and wall time (from the run records). The report is then re-rendered
 * from its own results.json input with those fields, with the same options; nothing else changes.
 */
export async function publishReport(options: PublishOptions): Promise<PublishResult> {
  const o = publishOptionsSchema.parse(options);
  const pipeline = await loadPipelineFile(o.pipelineFile);
  const store = await Store.open(o.store);
  const latest = await store.readLatest(pipeline.name);
  if (!latest)
    throw new StudyError(
      'STUDY_MISSING_RUN',
      `${o.store}: no run of pipeline '${pipeline.name}' yet; run it first (transfusion run ${o.pipelineFile})`,
    );
  const key = latest.stages[o.stage];
  if (!key)
    throw new StudyError(
      'STUDY_MISSING_RUN',
      `pipeline '${pipeline.name}': its latest run has no stage '${o.stage}' (stages: ${Object.keys(latest.stages).join(', ')})`,
    );
  const records = await Promise.all(
    Object.entries(latest.stages).map(async ([stage, k]) => ({ stage, key: k, record: await store.readRecord(k) })),
  );
  const report = records.find((r) => r.stage === o.stage)!.record;
  const out = report?.outputs[o.output];
  if (!report || !out || out.kind !== 'dir')
    throw new StudyError(
      'STUDY_MISSING_RUN',
      `stage '${o.stage}': no '${o.output}' folder output in the store (run the pipeline again)`,
    );
  const manifest = await store.readManifest(out.hash);
  if (!manifest)
    throw new StudyError(
      'STUDY_MISSING_RUN',
      `stage '${o.stage}': the output's manifest ${out.hash} is missing from the store`,
    );

  const dest = resolve(o.dest ?? join('reports', pipeline.name));
  await rm(dest, { recursive: true, force: true });
  for (const f of manifest.files) {
    const target = join(dest, ...f.path.split('/'));
    await mkdir(dirname(target), { recursive: true });
    await copyFile(store.objectPath(f.hash), target);
  }
  const results = JSON.parse(await readFile(join(dest, 'results.json'), 'utf8')) as {
    options: Record<string, unknown>;
    input: Record<string, unknown> & { provenance: Record<string, unknown> };
  };
  const timed = records
    .filter((r) => r.record)
    .map((r) => ({
      start: Date.parse(r.record!.startedAt),
      end: Date.parse(r.record!.startedAt) + r.record!.seconds * 1000,
    }));
  const start = Math.min(...timed.map((t) => t.start));
  const end = Math.max(...timed.map((t) => t.end));
  results.input.provenance = {
    ...results.input.provenance,
    cacheKeys: records.map((r) => ({ stage: r.stage, key: r.key })),
    startedAt: new Date(start).toISOString(),
    finishedAt: new Date(end).toISOString(),
    wallSeconds: Math.round((end - start) / 100) / 10,
    ...graphOf(pipeline),
  };
  const { pngScale: _png, ...criteria } = results.options;
  const written = await renderReport(results.input, dest, {
    ...criteria,
    pngScale: results.options['pngScale'] as number,
  });
  return {
    dest,
    files: [
      ...new Set([...manifest.files.map((f) => f.path), ...written.files.map((f) => f.slice(dest.length + 1))]),
    ].sort(),
    stages: records.length,
    wallSeconds: (end - start) / 1000,
  };
}

/**
 * The graph for the provenance section, planned with the study's own stages. A pipeline that ran with another
 * registry (`--registry`) does not plan here: its report is published without the figure rather than not at all.
 */
function graphOf(pipeline: Parameters<typeof planPipeline>[0]): { dag?: ReturnType<typeof provenanceDag> } {
  try {
    return { dag: provenanceDag(pipelineDag(planPipeline(pipeline, makeRegistry(studyStages)))) };
  } catch {
    return {};
  }
}

/** The pipeline's graph as the report's provenance carries it: node labels, edges, and the Mermaid text. */
export function provenanceDag(dag: PipelineDag): {
  mermaid: string;
  nodes: { id: string; label: string }[];
  edges: { from: string; to: string }[];
} {
  return {
    mermaid: dagMermaid(dag),
    nodes: dag.nodes.map((n) => ({
      id: n.id,
      label: n.instances.length > 1 ? `${n.id} ×${n.instances.length}` : n.id,
    })),
    edges: dag.edges.map(({ from, to }) => ({ from, to })),
  };
}
