import { z } from 'zod';
import { createRng, type Rng } from '@transfusion/random';
import type { ImageSet } from '../image-set.js';
import { applyUncertaintyPolicy, CHEXPERT_COMPETITION, uncertaintyPolicySchema } from '../labels.js';
import {
  generateSynthetic,
  parseOptions,
  streamSynthetic,
  syntheticBaseSchema,
  type SyntheticGenerator,
  type SyntheticSample,
} from './common.js';
import type { Raster } from './raster.js';

/**
 * Chest-x-ray-like set (1 channel): body, two lung fields with domed diaphragm, ribs, clavicles, spine,
 * mediastinum and heart. The five CheXpert competition labels are independent findings, each drawn with
 * probability `prevalence[k]` and a severity s ~ U(0.3, 1):
 *
 * | label | what is drawn when positive |
 * |---|---|
 * | Atelectasis | a plate-like linear opacity in a lower zone and a raised hemidiaphragm on that side |
 * | Cardiomegaly | heart silhouette wider: cardiothoracic ratio 0.44 + gap·(0.6…1), gap = 0.1·(1 − 0.6·difficulty) (negatives 0.44 ± 0.03) |
 * | Consolidation | a dense patchy opacity (clustered blobs) in one lung zone |
 * | Edema | bilateral perihilar haze ("bat wing") plus short horizontal septal lines at the bases |
 * | Pleural Effusion | fluid blunting a costophrenic angle (one or both sides), with a meniscus |
 *
 * Reported labels are noisy like report-mined CheXpert labels: a mild finding (s < 0.55) is reported
 * uncertain (-1) with probability `uncertainMild`; any negative is reported uncertain with
 * `uncertainNegative`; a label is flipped with `labelNoise`; negatives are left blank (not mentioned) with
 * `blankNegative`. The uncertainty policy (U-Ignore/U-Zeros/U-Ones, blank = 0) then maps them to targets.
 * With `cleanTest` the test split carries the true labels (like CheXpert's radiologist-consensus set).
 */
export const chestOptionsSchema = syntheticBaseSchema
  .extend({
    prevalence: z.array(z.number().min(0).max(1)).length(5).default([0.3, 0.25, 0.15, 0.25, 0.3]),
    uncertainMild: z.number().min(0).max(1).default(0.3),
    uncertainNegative: z.number().min(0).max(1).default(0.03),
    labelNoise: z.number().min(0).max(0.5).default(0.05),
    blankNegative: z.number().min(0).max(1).default(0.6),
    policy: uncertaintyPolicySchema.default('ignore'),
    cleanTest: z.boolean().default(true),
  })
  .strict();
export type ChestOptions = z.input<typeof chestOptionsSchema>;
type P = z.infer<typeof chestOptionsSchema>;

const chest: SyntheticGenerator<P> = {
  name: 'synthetic-chest',
  channels: 1,
  task: () => ({ kind: 'multilabel', names: [...CHEXPERT_COMPETITION] }),
  describe: (p) => ({
    labelRule:
      'independent findings: atelectasis plate + raised diaphragm; cardiomegaly CTR>0.5; consolidation patchy dense opacity; edema bilateral perihilar haze + septal lines; effusion blunted costophrenic angle',
    policy: p.policy,
    difficulty: String(p.difficulty),
  }),
  render(rng, r, index, p, splitOf) {
    const patient = `cp${String(index).padStart(7, '0')}`;
    const truth = p.prevalence.map((q) => (rng.bernoulli(q) ? 1 : 0));
    const severity = truth.map((t) => (t ? rng.uniform(0.3, 1) : 0));
    drawChest(rng, r, truth, severity, p.difficulty);
    const clean = p.cleanTest && splitOf(patient) === 'test';
    const raw = truth.map((t, k) => (clean ? t : reportLabel(rng, t, severity[k]!, p)));
    const { labels, mask } = applyUncertaintyPolicy(raw, p.policy);
    return { labels, mask, patient, id: `${patient}_view1_frontal` };
  },
};

/** Report-mining noise: 1, 0, -1 (uncertain) or NaN (blank, not mentioned). */
function reportLabel(rng: Rng, t: number, s: number, p: P): number {
  let v = t;
  if (rng.bernoulli(p.labelNoise)) v = 1 - v;
  if (t === 1 && s < 0.55 && rng.bernoulli(p.uncertainMild)) return -1;
  if (v === 0 && rng.bernoulli(p.uncertainNegative)) return -1;
  if (v === 0 && rng.bernoulli(p.blankNegative)) return Number.NaN;
  return v;
}

/** Draws one radiograph; truth[k] / severity[k] follow CHEXPERT_COMPETITION order. */
export function drawChest(
  rng: Rng,
  r: Raster,
  truth: readonly number[],
  severity: readonly number[],
  difficulty: number,
): void {
  const S = r.width;
  // findings and nuisance draw from their own streams, so a label changes only its finding's pixels
  const findingRng = createRng(rng.int(0, 0x7fffffff));
  const nuisanceRng = createRng(rng.int(0, 0x7fffffff));
  const [atel, cardio, consol, edema, effusion] = truth;
  const contrast = 1 - 0.55 * difficulty;
  const exposure = rng.uniform(0.85, 1.15);
  const g = (v: number): number[] => [v * exposure];
  const cx = S / 2 + rng.normal(0, S * 0.015);
  const top = S * rng.uniform(0.12, 0.17);
  const halfW = S * rng.uniform(0.36, 0.41); // thorax half-width (outer lung edges)
  const lungH = S * rng.uniform(0.52, 0.6);
  r.fill([0.04]);
  // body and shoulders
  r.ellipse(cx, S * 0.62, halfW * 1.25, S * 0.62, 0, g(0.5), 1, 3);
  r.ellipse(cx, top + S * 0.02, halfW * 1.3, S * 0.12, 0, g(0.5), 1, 3);
  // lungs: dark fields; diaphragm domes cut their bottoms, leaving sharp lateral costophrenic angles
  const lungs: { x: number; lateral: number; dome: number }[] = [];
  for (const sideSign of [-1, 1]) {
    const lx = cx + sideSign * halfW * 0.52;
    r.ellipse(lx, top + lungH * 0.5, halfW * 0.46, lungH * 0.52, 0, g(0.16), 1, 2);
    lungs.push({ x: lx, lateral: cx + sideSign * halfW * 0.95, dome: top + lungH * (sideSign < 0 ? 0.84 : 0.87) });
  }
  // atelectasis raises the hemidiaphragm on its side
  const atelSide = findingRng.int(0, 1);
  lungs.forEach((l, i) => {
    const raise = atel && i === atelSide ? S * 0.05 * severity[0]! * contrast : 0;
    r.ellipse(l.x, l.dome + lungH * 0.12 - raise, halfW * 0.5, lungH * 0.14, 0, g(0.52), 1, 2);
  });
  // ribs: faint arcs over the lungs
  const ribs = 8;
  for (let i = 0; i < ribs; i++) {
    const y = top + lungH * (0.08 + (0.85 * i) / ribs);
    for (const sideSign of [-1, 1]) {
      const x0 = cx + sideSign * halfW * 0.1;
      const x1 = cx + sideSign * halfW * 0.98;
      const xm = (x0 + x1) / 2;
      const w = Math.max(0.7, S * 0.012);
      r.segment(x0, y - S * 0.03, xm, y - S * 0.045, w, g(0.55), 0.18);
      r.segment(xm, y - S * 0.045, x1, y + S * 0.02, w, g(0.55), 0.18);
    }
  }
  // clavicles, spine and mediastinum
  for (const sideSign of [-1, 1])
    r.segment(
      cx + sideSign * S * 0.05,
      top + S * 0.04,
      cx + sideSign * halfW * 0.9,
      top - S * 0.01,
      S * 0.025,
      g(0.62),
      0.6,
    );
  r.segment(cx, 0, cx, S, S * 0.07, g(0.58), 0.8, 2);
  r.ellipse(cx, top + lungH * 0.35, S * 0.06, lungH * 0.3, 0, g(0.55), 0.8, 2);
  // heart: width = cardiothoracic ratio × thorax width
  const gap = 0.1 * (1 - 0.6 * difficulty);
  const normalCtr = rng.normal(0.44, 0.03);
  const ctr = cardio ? 0.44 + gap * (0.6 + 0.4 * severity[1]!) + findingRng.normal(0, 0.02) : normalCtr;
  const heartW = ctr * 2 * halfW;
  const heartY = top + lungH * 0.68;
  r.ellipse(cx + heartW * 0.15, heartY, heartW / 2, lungH * 0.22, rng.normal(-0.2, 0.05), g(0.6), 1, 2);

  const opacity = (s: number): number => (0.25 + 0.55 * s) * contrast;
  rng = findingRng;
  if (atel) {
    const l = lungs[atelSide]!;
    const y = l.dome - lungH * rng.uniform(0.1, 0.25);
    const dx = halfW * 0.3;
    r.segment(
      l.x - dx,
      y + rng.normal(0, S * 0.01),
      l.x + dx,
      y + rng.normal(0, S * 0.01),
      S * 0.022,
      g(0.55),
      opacity(severity[0]!),
      1.5,
    );
  }
  if (consol) {
    const l = rng.pick(lungs);
    const zx = l.x + rng.normal(0, halfW * 0.12);
    const zy = top + lungH * rng.uniform(0.3, 0.75);
    for (let j = rng.int(4, 7); j > 0; j--)
      r.blob(
        zx + rng.normal(0, S * 0.035),
        zy + rng.normal(0, S * 0.035),
        S * rng.uniform(0.025, 0.045),
        g(0.6),
        opacity(severity[2]!),
      );
  }
  if (edema) {
    const a = opacity(severity[3]!) * 0.45;
    for (const sideSign of [-1, 1]) {
      const hx = cx + sideSign * halfW * 0.35;
      r.blob(hx, top + lungH * 0.45, S * 0.08, g(0.5), a);
      r.blob(hx + sideSign * halfW * 0.15, top + lungH * 0.55, S * 0.06, g(0.5), a * 0.8);
      for (let j = 0; j < 3; j++) {
        const y = top + lungH * (0.7 + 0.05 * j);
        const x0 = cx + sideSign * halfW * 0.92;
        r.segment(x0, y, x0 - sideSign * S * 0.05, y, Math.max(0.6, S * 0.008), g(0.6), a);
      }
    }
  }
  if (effusion) {
    const both = rng.bernoulli(0.4);
    const first = rng.int(0, 1);
    lungs.forEach((l, i) => {
      if (!(both || i === first)) return;
      const h = lungH * (0.08 + 0.16 * severity[4]!) * (0.5 + 0.5 * contrast);
      // fluid fills the lateral angle; its meniscus rises towards the chest wall
      r.ellipse(
        l.lateral - (l.lateral - l.x) * 0.1,
        l.dome,
        halfW * 0.35,
        h,
        0,
        g(0.5),
        0.9 * (0.5 + 0.5 * contrast),
        2,
      );
      r.ellipse(l.x, l.dome + h * 0.3, halfW * 0.45, h * 0.7, 0, g(0.5), 0.7 * (0.5 + 0.5 * contrast), 2);
    });
  }
  // distractors (label-independent): support-device-like lines
  rng = nuisanceRng;
  const distractors = rng.poisson(1.5 * difficulty);
  for (let j = 0; j < distractors; j++) {
    const x0 = cx + rng.normal(0, halfW * 0.6);
    r.segment(
      x0,
      top,
      x0 + rng.normal(0, S * 0.1),
      top + lungH * rng.uniform(0.3, 0.9),
      Math.max(0.7, S * 0.01),
      g(0.8),
      0.5,
    );
  }
  r.blur(Math.max(1, S / 96), 1);
  r.noise(rng, 0.015 + 0.04 * difficulty);
}

export function generateChestSet(options: ChestOptions): ImageSet {
  return generateSynthetic(chest, parseOptions(chestOptionsSchema, options, 'synthetic chest'));
}
export function streamChestSet(options: ChestOptions): Generator<SyntheticSample> {
  return streamSynthetic(chest, parseOptions(chestOptionsSchema, options, 'synthetic chest'));
}
