import { tableFromArrays } from 'apache-arrow';
import { z } from 'zod';
import { readTensors, type Tensor } from '@transfusion/arrow-io';
import { convOptionsSchema, METHODS, type Method, similarityOptionsSchema } from '@transfusion/cca/schemas';
import { defineStage } from '@transfusion/pipeline';
import { linalgFacts } from '../lib/compute-facts.js';
import { runOfFile, StudyError, type RunInfo } from '../lib/run-info.js';
import { activationsKind, capturedStagesOf, similarityKind, similarityMetadata } from '../lib/artifact-kinds.js';
import { withMetadata } from '../lib/table-metadata.js';

/**
 * @transfusion/cca's similarity options (svccaKeep, svccaCriterion, svccaDims, neuronEps, linalg, ...) at the top
 * level, plus the measures to compute and how conv layers become matrices.
 */
const params = similarityOptionsSchema.extend({
  /** Similarity measures (@transfusion/cca method names); one report variant each. */
  methods: z.array(z.enum(METHODS)).min(1).default(['pwcca', 'svcca', 'cka']),
  /**
   * Conv layers (@transfusion/cca's conv options): spatial positions as datapoints (`flatten`, subsampled) or
   * averaged over space (`pool`). The study subsamples to 4000 datapoints unless told otherwise: every position of
   * every probe image would make the CCA of a large layer slow.
   */
  conv: convOptionsSchema
    .extend({ maxDatapoints: convOptionsSchema.shape.maxDatapoints.unwrap().default(4000) })
    .prefault({}),
});
type Params = z.infer<typeof params>;

interface Captured {
  run: RunInfo;
  stages: string[];
  acts: Record<string, Tensor>;
}

/** SVCCA's kept directions: a fixed number, or a share of Σσ² (the SVCCA paper) or of Σσ. */
function svccaKept(p: Params): string {
  if (p.svccaDims !== undefined) return `${p.svccaDims} directions kept`;
  return `${Math.round(p.svccaKeep * 100)}% ${p.svccaCriterion === 'variance' ? 'variance' : 'of the singular values'} kept`;
}

function describe(method: Method, p: Params, probe: number): string {
  const name = {
    mean: 'mean CCA',
    svcca: `SVCCA (${svccaKept(p)})`,
    pwcca: 'PWCCA (Morcos et al.)',
    'pwcca-google': 'google/svcca compute_pwcca',
    cka: 'linear CKA',
    'cka-debiased': 'debiased linear CKA',
  }[method];
  const conv =
    p.conv.mode === 'flatten'
      ? `spatial positions as datapoints (at most ${p.conv.maxDatapoints.toLocaleString('en-US')} sampled)`
      : 'averaged over space';
  return `${name}, ${conv}, ${probe} probe test images`;
}

async function load(path: string): Promise<Captured> {
  const run = await runOfFile(path);
  const stages = await capturedStagesOf(path);
  return { run, stages, acts: await readTensors(path) };
}

function conv4(t: Tensor, where: string) {
  if (t.shape.length === 2)
    return {
      data: t.data as Float32Array,
      shape: [t.shape[0]!, 1, 1, t.shape[1]!] as [number, number, number, number],
      layout: 'NHWC' as const,
    };
  if (t.shape.length !== 4)
    throw new StudyError(
      'STUDY_BAD_ARTIFACT',
      `${where}: expected N×H×W×C activations, got shape [${t.shape.join(', ')}]`,
    );
  return { data: t.data as Float32Array, shape: t.shape as [number, number, number, number], layout: 'NHWC' as const };
}

/**
 * The representational analyses of the paper, on the captured activations of every (full-data) random and
 * pretrained run, per task and model:
 * - Fig 2 `between`: final representations of two runs, Rand–Rand (different seeds) and Rand–Pretrained;
 * - Fig 3 `initFinal`: each run's representation at init vs after training, per stage;
 * - Fig 4 `initVsFinal`: the similarity of a pair of runs at init (x) against after training (y).
 * One row per (analysis, method, pair, stage); every method is one named variant.
 */
export const ccaAnalysisStage = defineStage({
  id: 'cca-analysis',
  source: import.meta.url,
  description: 'CCA/SVCCA/PWCCA/CKA similarity between runs and between init and trained representations (Figs 2-4)',
  params,
  inputs: { activations: { kind: activationsKind, many: true } },
  outputs: { similarity: similarityKind },
  env: ['TRANSFUSION_NATIVE'],
  runtimeFacts: linalgFacts,
  async run(ctx) {
    const p = ctx.params;
    // the lib's similarity options as the pipeline file gave them
    const { methods: _, conv: __, ...similarity } = p;
    const { compare, convPairToMatrices } = await import('@transfusion/cca');
    const rows = {
      analysis: [] as string[],
      method: [] as string[],
      task: [] as string[],
      model: [] as string[],
      layer: [] as string[],
      layerIndex: [] as number[],
      comparison: [] as string[],
      init: [] as string[],
      pair: [] as string[],
      seedA: [] as number[],
      seedB: [] as number[],
      value: [] as number[],
      atInit: [] as number[],
    };
    const all = await Promise.all(ctx.inputs.activations.map((a) => load(a.path)));
    const usable = all.filter(
      (c) => c.run.regime === 'full' && (c.run.init.kind === 'random' || c.run.init.kind === 'pretrained'),
    );
    let probe = 0;
    const skipped: string[] = [];
    const sim = async (a: Tensor, b: Tensor, where: string): Promise<Map<Method, number>> => {
      const { a: x, b: y } = convPairToMatrices(conv4(a, where), conv4(b, where), p.conv);
      probe = a.shape[0]!;
      const out = new Map<Method, number>();
      for (const method of p.methods) {
        try {
          const [r] = await compare(x, y, [method], similarity, { threads: 1 });
          // similarity values are in [0, 1]; clamp rounding just outside it
          out.set(method, Math.min(1, Math.max(0, r!.value)));
        } catch (e) {
          // fewer datapoints than neurons: CCA-type values would all be 1, so this layer is not measured
          if ((e as { code?: string }).code !== 'CCA_UNDERDETERMINED') throw e;
          skipped.push(`${where} ${method}`);
        }
      }
      return out;
    };
    const push = (
      analysis: string,
      c: RunInfo,
      layer: string,
      layerIndex: number,
      values: Map<Method, number>,
      extra: { comparison?: string; init?: string; pair?: string; seedB?: number; atInit?: Map<Method, number> },
    ) => {
      for (const [method, value] of values) {
        rows.analysis.push(analysis);
        rows.method.push(method);
        rows.task.push(c.task);
        rows.model.push(c.model);
        rows.layer.push(layer);
        rows.layerIndex.push(layerIndex);
        rows.comparison.push(extra.comparison ?? '');
        rows.init.push(extra.init ?? '');
        rows.pair.push(extra.pair ?? '');
        rows.seedA.push(c.seed);
        rows.seedB.push(extra.seedB ?? c.seed);
        rows.value.push(value);
        rows.atInit.push(extra.atInit?.get(method) ?? NaN);
      }
    };
    const groups = new Map<string, Captured[]>();
    for (const c of usable)
      groups.set(`${c.run.task}\u0000${c.run.model}`, [...(groups.get(`${c.run.task}\u0000${c.run.model}`) ?? []), c]);
    for (const group of groups.values()) {
      const { task, model } = group[0]!.run;
      const stages = group[0]!.stages;
      ctx.log(`${task} ${model}: ${group.length} runs, ${stages.length} stages`);
      for (const c of group) {
        for (const [i, s] of stages.entries()) {
          push('initFinal', c.run, s, i, await sim(c.acts[`init/${s}`]!, c.acts[`final/${s}`]!, `${c.run.id} ${s}`), {
            init: c.run.init.kind,
          });
        }
      }
      const rand = group.filter((c) => c.run.init.kind === 'random');
      const pre = group.filter((c) => c.run.init.kind === 'pretrained');
      const pairs: [Captured, Captured, 'rand-rand' | 'rand-pretrained'][] = [];
      for (const [i, a] of rand.entries()) for (const b of rand.slice(i + 1)) pairs.push([a, b, 'rand-rand']);
      for (const a of rand)
        for (const b of pre) if (a.run.seed !== b.run.seed || rand.length === 1) pairs.push([a, b, 'rand-pretrained']);
      for (const [a, b, comparison] of pairs) {
        const pair = `${comparison} seeds ${a.run.seed}/${b.run.seed}`;
        for (const [i, s] of stages.entries()) {
          const final = await sim(a.acts[`final/${s}`]!, b.acts[`final/${s}`]!, `${a.run.model} ${pair} ${s}`);
          const atInit = await sim(a.acts[`init/${s}`]!, b.acts[`init/${s}`]!, `${a.run.model} ${pair} ${s} (init)`);
          push('between', a.run, s, i, final, { comparison, pair, seedB: b.run.seed });
          // Fig 4 needs both coordinates
          const both = new Map([...final].filter(([m]) => atInit.has(m)));
          push('initVsFinal', a.run, s, i, both, { comparison, pair, seedB: b.run.seed, atInit });
        }
      }
    }
    if (skipped.length)
      ctx.log(
        `not measured (fewer datapoints than neurons): ${skipped.length} layer comparisons, e.g. ${skipped.slice(0, 3).join('; ')}`,
      );
    if (rows.value.length === 0) ctx.log('no full-data random/pretrained runs with activations: nothing to compare');
    const table = tableFromArrays({
      analysis: rows.analysis,
      method: rows.method,
      task: rows.task,
      model: rows.model,
      layer: rows.layer,
      layerIndex: Int32Array.from(rows.layerIndex),
      comparison: rows.comparison,
      init: rows.init,
      pair: rows.pair,
      seedA: Int32Array.from(rows.seedA),
      seedB: Int32Array.from(rows.seedB),
      value: Float64Array.from(rows.value),
      atInit: Float64Array.from(rows.atInit),
    });
    const variants = p.methods.map((m) => ({ id: m, method: m, description: describe(m, p, probe) }));
    return { similarity: withMetadata(table, similarityMetadata(variants, skipped)) };
  },
});
