import type { TopLevelSpec } from 'vega-lite';
import type { RunGroup } from './aggregate.js';
import {
  curvesSpec,
  layersSpec,
  scatterSpec,
  stepsBarSpec,
  stripSpec,
  type CurveRow,
  type StepsRow,
} from './charts/specs.js';
import { extraColours, initColour } from './charts/palette.js';
import { meanCurve } from './convergence.js';
import { fixed, pct } from './format.js';
import { initLabel, initOrder, initShortLabel, stagesOf } from './init.js';
import type { ReportOptions } from './options.js';
import type { CcaResult, CcaVariant, ModelInfo, StudyResults } from './schema.js';
import { initFinalByLayer, initVsFinalGroups, topLayerComparisons } from './similarity.js';
import { compareSpeed, isFig6Init, isFig7Init, type SpeedComparison } from './speedup.js';
import { evaluationFigureDefs } from './evaluation/section.js';

export interface FigureDef {
  id: string;
  section: 'evaluation' | 'convergence' | 'similarity';
  title: string;
  caption: string;
  spec: TopLevelSpec;
  /** The numbers drawn, for results.json. */
  data: unknown;
}

interface Ctx {
  results: StudyResults;
  groups: RunGroup[];
  options: ReportOptions;
  models: Map<string, ModelInfo>;
  metric: string;
}

const slug = (s: string): string =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');

function curveRows(panel: string, series: string, g: RunGroup, metric: string, threshold?: number): CurveRow[] {
  return meanCurve(g.runs, metric).map((p) => ({
    panel,
    series,
    step: p.step,
    mean: p.mean,
    lo: p.mean - p.std,
    hi: p.mean + p.std,
    n: p.n,
    ...(threshold !== undefined ? { threshold } : {}),
  }));
}

function speedFigure(ctx: Ctx, task: string, comps: SpeedComparison[], fig: 6 | 7): FigureDef[] {
  const panels = comps.map((c) => ctx.models.get(c.model)!.label);
  const groupsOf = (c: SpeedComparison) =>
    c.steps.map(
      (s) =>
        ctx.groups.find(
          (g) => g.task.id === task && g.regime === 'full' && g.model.id === c.model && g.initKey === s.initKey,
        )!,
    );
  // each init once, with the first model that has it: its stage order places and colours a transfusion prefix
  const orderedInits = [...new Map(comps.flatMap((c) => groupsOf(c)).map((g) => [g.initKey, g])).values()].sort(
    (a, b) => initOrder(a.init, a.model) - initOrder(b.init, b.model),
  );
  const series = orderedInits.map((g) => ({
    name: initLabel(g.init),
    colour: initColour(g.initKey, stagesOf(g.model)),
  }));
  const rows = comps.flatMap((c) =>
    groupsOf(c).flatMap((g) =>
      curveRows(ctx.models.get(c.model)!.label, initLabel(g.init), g, ctx.metric, c.threshold),
    ),
  );
  const thresholdNote = `the task's threshold AUC, chance + ${ctx.options.thresholdFraction} × (the task's best final validation AUC − chance)`;
  const curveFig: FigureDef = {
    id: `fig${fig}-curves-${slug(task)}`,
    section: 'convergence',
    title:
      fig === 6
        ? `Fig 6 analogue — ${task}: convergence of random, Mean Var and transfer init`
        : `Fig 7 analogue — ${task}: weight transfusion training curves`,
    caption:
      `Validation ${ctx.metric} against training step, mean over seeds with a ±1 std band; dashed line: ${thresholdNote}. ` +
      (fig === 6
        ? 'Mean Var init draws each layer iid from N(mean, var) of the corresponding pretrained layer.'
        : `Transfusion ≤ X: pretrained weights up to and including stage X, the rest random. ${stageOrderNote(ctx, comps)}`),
    spec: curvesSpec({
      title: {
        text: fig === 6 ? 'Convergence by initialisation' : 'Weight transfusion',
        subtitle: `${task} · validation ${ctx.metric}`,
      },
      rows,
      panels,
      series,
      yTitle: 'Validation AUC',
    }),
    data: rows,
  };
  if (fig === 6) return [curveFig];
  const stepRows: StepsRow[] = comps.flatMap((c) =>
    groupsOf(c).map((g, i) => {
      const s = c.steps[i]!;
      const hit = s.perRun.filter((x): x is number => x !== null);
      return {
        panel: `${ctx.models.get(c.model)!.label} (AUC ≥ ${pct(c.threshold, 1)}%)`,
        init: initShortLabel(g.init, g.model),
        order: initOrder(g.init, g.model),
        colour: initColour(g.initKey, c.stages),
        mean: s.mean,
        min: hit.length ? Math.min(...hit) : null,
        max: hit.length ? Math.max(...hit) : null,
        noteY: hit.length ? Math.max(...hit) : 0,
        note: s.reached < s.runs ? `${s.reached}/${s.runs} reached` : '',
      };
    }),
  );
  // every model's own short labels (≤ mixed2, Transfer (≤ mixed10)), shallow to deep
  const barOrder = [...new Set([...stepRows].sort((a, b) => a.order - b.order).map((r) => r.init))];
  const barFig: FigureDef = {
    id: `fig7-steps-${slug(task)}`,
    section: 'convergence',
    title: `Fig 7 analogue — ${task}: steps to the threshold AUC vs how much is transferred`,
    caption:
      'Bars: mean steps over seeds to first reach the threshold AUC; whiskers: fastest and slowest seed. A bar is left out when a seed never reached the threshold.',
    spec: stepsBarSpec({
      title: { text: 'Steps to threshold AUC', subtitle: `${task} · transfused prefix, shallow to deep` },
      rows: stepRows,
      panels: [...new Set(stepRows.map((r) => r.panel))],
      inits: barOrder,
    }),
    data: comps,
  };
  return [curveFig, barFig];
}

/** "Stages, shallow to deep: ResNet50 conv1, block1, …; Inception-v3 conv1, stem, mixed0, …" for the Fig 7 caption. */
function stageOrderNote(ctx: Ctx, comps: readonly SpeedComparison[]): string {
  return `Stages, shallow to deep: ${comps.map((c) => `${ctx.models.get(c.model)!.label} ${c.stages.join(', ')}`).join('; ')}.`;
}

function hybridFigures(ctx: Ctx): FigureDef[] {
  const out: FigureDef[] = [];
  for (const task of ctx.results.tasks) {
    const hybrids = ctx.results.models.filter((m) => m.hybridOf !== undefined);
    const bases = [...new Set(hybrids.map((m) => m.hybridOf!))];
    const gaborBases = ctx.groups
      .filter((g) => g.task.id === task.id && g.regime === 'full' && g.initKey === 'gabor')
      .map((g) => g.model.id);
    const hasHybridRuns = (b: string) =>
      ctx.groups.some((g) => g.task.id === task.id && g.regime === 'full' && g.model.hybridOf === b);
    const panelsModels = [...new Set([...bases.filter(hasHybridRuns), ...gaborBases])];
    if (panelsModels.length === 0) continue;
    const series = new Map<string, string>();
    const rows: CurveRow[] = [];
    for (const base of panelsModels) {
      const panel = ctx.models.get(base)!.label;
      const baseGroups = ctx.groups.filter(
        (g) =>
          g.task.id === task.id &&
          g.regime === 'full' &&
          g.model.id === base &&
          ['random', 'pretrained', 'transfusion:conv1', 'gabor'].includes(g.initKey),
      );
      for (const g of baseGroups) {
        series.set(initLabel(g.init), initColour(g.initKey));
        rows.push(...curveRows(panel, initLabel(g.init), g, ctx.metric));
      }
      const hybridGroups = ctx.groups.filter(
        (g) => g.task.id === task.id && g.regime === 'full' && g.model.hybridOf === base,
      );
      for (const g of hybridGroups) {
        const name = `${g.model.label} (${initLabel(g.init)})`;
        if (!series.has(name))
          series.set(name, extraColours[(series.size - baseGroups.length) % extraColours.length] ?? '#56b4e9');
        rows.push(...curveRows(panel, name, g, ctx.metric));
      }
    }
    const order = [...series.entries()].map(([name, colour]) => ({ name, colour }));
    out.push({
      id: `fig8-hybrids-${slug(task.id)}`,
      section: 'convergence',
      title: `Fig 8 analogue — ${task.id}: hybrid models and synthetic Gabor conv1`,
      caption: `Validation ${ctx.metric} against training step, mean over seeds ±1 std. Hybrids keep pretrained weights in the lower stages and use slimmer, randomly initialised upper stages; Gabor: synthetic Gabor filters in conv1, everything else random.`,
      spec: curvesSpec({
        title: { text: 'Hybrid approaches', subtitle: `${task.id} · validation ${ctx.metric}` },
        rows,
        panels: panelsModels.map((b) => ctx.models.get(b)!.label),
        series: order,
        yTitle: 'Validation AUC',
      }),
      data: rows,
    });
  }
  return out;
}

/** Display names of the similarity measures, for titles. */
export const methodNames: Record<CcaVariant['method'], string> = {
  mean: 'Mean CCA',
  svcca: 'SVCCA',
  pwcca: 'PWCCA',
  'pwcca-google': 'PWCCA (google/svcca)',
  cka: 'Linear CKA',
  'cka-debiased': 'Debiased CKA',
};

function similarityFigures(ctx: Ctx, cca: CcaResult): FigureDef[] {
  const out: FigureDef[] = [];
  const v = { ...cca.variant, method: methodNames[cca.variant.method] };
  const subtitle = `CCA variant: ${v.description} [${v.id}]`;
  const label = (id: string) => ctx.models.get(id)!.label;
  const top = topLayerComparisons(cca, ctx.results.models);
  if (top.length > 0) {
    const rows = top.flatMap((t) => [
      ...t.randRand.map((value) => ({ panel: label(t.model), comparison: 'Rand–Rand', value })),
      ...t.randPretrained.map((value) => ({ panel: label(t.model), comparison: 'Rand–Pretrained', value })),
    ]);
    out.push({
      id: `fig2-rand-vs-pretrained-${v.id}`,
      section: 'similarity',
      title: `Fig 2 analogue — top-layer similarity, Rand–Rand vs Rand–Pretrained (${v.method})`,
      caption: `${subtitle}. Each dot is one pair of trained models (similarity averaged over the top two layers: ${top.map((t) => `${label(t.model)}: ${t.topLayers.join(', ')}`).join('; ')}); black bar: mean. Gap (Rand–Rand − Rand–Pretrained): ${top.map((t) => `${label(t.model)} ${fixed(t.gap)}`).join(', ')}.`,
      spec: stripSpec({
        title: { text: 'Top-layer representational similarity', subtitle },
        rows,
        panels: top.map((t) => label(t.model)),
        comparisons: [
          { name: 'Rand–Rand', colour: '#d55e00' },
          { name: 'Rand–Pretrained', colour: '#0072b2' },
        ],
        yTitle: `${v.method} similarity`,
      }),
      data: top,
    });
  }
  const layers = initFinalByLayer(cca);
  if (layers.length > 0) {
    const models = ctx.results.models.filter((m) => layers.some((l) => l.model === m.id));
    const rows = layers.map((l) => ({
      panel: label(l.model),
      layer: l.layer,
      layerIndex: l.layerIndex,
      series: l.init === 'random' ? 'Random init' : 'Pretrained init',
      mean: l.mean,
      lo: Math.max(0, l.mean - l.std),
      hi: Math.min(1, l.mean + l.std),
    }));
    out.push({
      id: `fig3-init-final-${v.id}`,
      section: 'similarity',
      title: `Fig 3 analogue — per-layer similarity of the representation at init and after training (${v.method})`,
      caption: `${subtitle}. CCA(init, final) per layer, mean over seeds, whiskers ±1 std. Higher means the layer moved less during training.`,
      spec: layersSpec({
        title: { text: 'CCA(init, final) per layer', subtitle },
        rows,
        panels: models.map((m) => m.label),
        series: [
          { name: 'Random init', colour: '#d55e00' },
          { name: 'Pretrained init', colour: '#0072b2' },
        ],
        yTitle: `${v.method}(init, final)`,
      }),
      data: layers,
    });
  }
  const scatter = initVsFinalGroups(cca, ctx.results.models);
  if (scatter.length > 0) {
    const panelOf = (s: (typeof scatter)[number]) =>
      `${label(s.model)}, ${s.group} layers (R² = ${Number.isFinite(s.fit.r2) ? s.fit.r2.toFixed(2) : 'n/a'})`;
    const rows = scatter.flatMap((s) =>
      s.points.map((p) => ({ panel: panelOf(s), x: p.atInit, y: p.afterTraining, layer: p.layer })),
    );
    out.push({
      id: `fig4-init-vs-final-${v.id}`,
      section: 'similarity',
      title: `Fig 4 analogue — similarity between models at init vs after training (${v.method})`,
      caption: `${subtitle}. Each dot is a pair of models at one layer: x = their similarity at initialisation, y = after training; line: least squares with R² (per layer and per kind of pair in the table "Fig 4 by layer and comparison"). Lower/higher = lower/upper half of each model's layers (${scatter.map((s) => `${label(s.model)} ${s.group}: ${s.layers.join(', ')}`).join('; ')}).`,
      spec: scatterSpec({
        title: { text: 'Similarity at init vs after training', subtitle },
        rows,
        panels: scatter.map(panelOf),
        xTitle: `${v.method} at initialisation`,
        yTitle: `${v.method} after training`,
      }),
      data: scatter.map((s) => ({
        model: s.model,
        group: s.group,
        layers: s.layers,
        r2: s.fit.r2,
        slope: s.fit.slope,
        intercept: s.fit.intercept,
        n: s.fit.n,
        points: s.points,
      })),
    });
  }
  return out;
}

/** Every chart of the report, in reading order; sections with no data are left out. */
export function buildFigureDefs(results: StudyResults, groups: RunGroup[], options: ReportOptions): FigureDef[] {
  const ctx: Ctx = {
    results,
    groups,
    options,
    models: new Map(results.models.map((m) => [m.id, m])),
    metric: results.evaluation.convergenceMetric,
  };
  const figs: FigureDef[] = [];
  figs.push(...evaluationFigureDefs(results, groups));
  for (const task of results.tasks) {
    const fig6 = compareSpeed(groups, ctx.metric, options, isFig6Init).filter((c) => c.task === task.id);
    if (fig6.length > 0) figs.push(...speedFigure(ctx, task.id, fig6, 6));
    const fig7 = compareSpeed(groups, ctx.metric, options, isFig7Init).filter(
      (c) => c.task === task.id && c.steps.some((s) => s.initKey.startsWith('transfusion:')),
    );
    if (fig7.length > 0) figs.push(...speedFigure(ctx, task.id, fig7, 7));
  }
  figs.push(...hybridFigures(ctx));
  for (const cca of results.cca) figs.push(...similarityFigures(ctx, cca));
  return figs;
}
