import { z } from 'zod';
import { createRng, mixSeed, type Rng } from '@transfusion/random';
import {
  generateSynthetic,
  parseOptions,
  streamSynthetic,
  syntheticBaseSchema,
  type SyntheticGenerator,
  type SyntheticSample,
} from './common.js';
import type { ImageSet } from '../image-set.js';
import type { Raster, Paint } from './raster.js';

/**
 * Fundus-like 5-grade set (RGB). Each image is a circular retina with an optic disc, a macula and a vessel
 * tree; the diabetic-retinopathy grade is decided first and then exactly the lesions that define it are drawn
 * (a simplified ICDR scale):
 *
 * | grade | lesions drawn |
 * |---|---|
 * | 0 none | no DR lesions |
 * | 1 mild | 1–5 microaneurysms (tiny dark-red dots) only |
 * | 2 moderate | microaneurysms + 1–5 blot haemorrhages and/or a cluster of hard exudates (yellow dots) or cotton-wool spots |
 * | 3 severe | ≥ 3 haemorrhages in every quadrant (12–20) + microaneurysms, often exudates |
 * | 4 proliferative | severe-or-moderate lesions + neovascularisation (a tuft of fine tortuous vessels) and/or a preretinal haemorrhage |
 *
 * Cues are small and local, as in real grading. Grade-independent nuisance: pigmentation, illumination,
 * disc position (left/right eye), vessel layout, noise and — with difficulty — distractors that resemble
 * lesions (pale drusen, grey dust specks) and lower lesion contrast. `labelNoise` moves the recorded grade
 * by ±1 with that probability (graders disagree), except in the test split when `cleanTest` is set.
 * Two images (left, right eye) per patient; the eyes' grades are correlated.
 */
export const fundusOptionsSchema = syntheticBaseSchema
  .extend({
    /** Prior over grades 0–4 (normalised). Default is less skewed than EyePACS (~73 % grade 0) so small demos have positives. */
    gradePrior: z.array(z.number().min(0)).length(5).default([0.4, 0.15, 0.25, 0.1, 0.1]),
    /** Probability that a recorded grade is off by one. */
    labelNoise: z.number().min(0).max(0.5).default(0.05),
    /** Test split labels are the true grades (like an adjudicated test set). */
    cleanTest: z.boolean().default(true),
  })
  .strict();
export type FundusOptions = z.input<typeof fundusOptionsSchema>;
type P = z.infer<typeof fundusOptionsSchema>;

export const FUNDUS_GRADES = ['none', 'mild', 'moderate', 'severe', 'proliferative'];

const fundus: SyntheticGenerator<P> = {
  name: 'synthetic-fundus',
  channels: 3,
  task: () => ({ kind: 'multiclass', names: FUNDUS_GRADES }),
  describe: (p) => ({
    labelRule:
      'grade 0 none; 1 microaneurysms only; 2 + haemorrhages/exudates/cotton-wool; 3 haemorrhages in all 4 quadrants; 4 neovascularisation or preretinal haemorrhage',
    difficulty: String(p.difficulty),
  }),
  render(rng, r, index, p, splitOf) {
    const patientIndex = Math.floor(index / 2);
    const eye = index % 2 === 0 ? 'left' : 'right';
    const patient = `fp${String(patientIndex).padStart(6, '0')}`;
    // the patient's grade is a function of the patient alone (its own stream); the eye differs sometimes
    const patientGrade = patientRng(p.seed, patientIndex).categorical(p.gradePrior);
    const grade = rng.bernoulli(0.7) ? patientGrade : rng.categorical(p.gradePrior);
    drawFundus(rng, r, grade, eye, p.difficulty);
    let recorded = grade;
    const split = splitOf(patient);
    if (!(p.cleanTest && split === 'test') && rng.bernoulli(p.labelNoise)) {
      recorded = grade === 0 ? 1 : grade === 4 ? 3 : grade + (rng.bernoulli(0.5) ? 1 : -1);
    }
    return { labels: [recorded], patient, id: `${patient}_${eye}` };
  },
};

/** The patient's own stream, so both eyes see the same patient-level grade. */
function patientRng(seed: number, patientIndex: number): Rng {
  return createRng(mixSeed(seed, patientIndex, 0xf0d05));
}

/** Draws one fundus image of the given grade into the raster. */
export function drawFundus(rng: Rng, r: Raster, grade: number, eye: 'left' | 'right', difficulty: number): void {
  const S = r.width;
  const cx = S / 2 + rng.normal(0, S * 0.01);
  const cy = S / 2 + rng.normal(0, S * 0.01);
  const R = S * rng.uniform(0.43, 0.48);
  const side = eye === 'right' ? 1 : -1;
  const pigment = rng.uniform(0.65, 1.1);
  const base: [number, number, number] = [
    0.78 * pigment,
    rng.uniform(0.28, 0.4) * pigment,
    rng.uniform(0.1, 0.18) * pigment,
  ];
  const illumX = rng.normal(0, 0.25);
  const illumY = rng.normal(0, 0.25);
  const fovX = cx - side * R * 0.28;
  const fovY = cy + rng.normal(0, R * 0.03);
  const mac = R * 0.18;
  const background: Paint = (x, y, out) => {
    const dx = (x - cx) / R;
    const dy = (y - cy) / R;
    const rr = dx * dx + dy * dy;
    if (rr > 1) {
      out[0] = out[1] = out[2] = 0;
      return;
    }
    const fx = (x - fovX) / mac;
    const fy = (y - fovY) / mac;
    const macula = 1 - 0.35 * Math.exp(-(fx * fx + fy * fy));
    const light = (1 - 0.45 * rr + 0.15 * (dx * illumX + dy * illumY)) * macula;
    out[0] = base[0] * light;
    out[1] = base[1] * light;
    out[2] = base[2] * light;
  };
  r.fill(background);
  const discX = cx + side * R * rng.uniform(0.3, 0.42);
  const discY = cy + rng.normal(0, R * 0.05);
  const discR = R * rng.uniform(0.1, 0.13);
  const vesselCol: [number, number, number] = [0.42 * pigment, 0.06 * pigment, 0.04 * pigment];
  drawVessels(rng, r, discX, discY, discR, cx, cy, R, side, vesselCol);
  r.disc(discX, discY, discR, [1, 0.85, 0.55], 0.9, Math.max(1, S / 64));
  r.disc(discX + side * discR * 0.15, discY, discR * 0.45, [1, 0.95, 0.8], 0.6, Math.max(1, S / 64));

  // lesions and nuisance draw from their own streams, so the grade changes lesion pixels only
  const lesionRng = createRng(rng.int(0, 0x7fffffff));
  const nuisanceRng = createRng(rng.int(0, 0x7fffffff));
  rng = lesionRng;
  const contrast = 1 - 0.55 * difficulty;
  const px = S / 64; // one pixel at 64 px; lesion sizes scale with the image
  const sizeK = 1 - 0.25 * difficulty;
  const spot = (): [number, number] => pointInRetina(rng, cx, cy, R * 0.9, discX, discY, discR * 1.6);
  const ma = (): void => {
    const [x, y] = spot();
    r.disc(x, y, Math.max(0.55, 0.9 * px * sizeK), [0.3, 0.02, 0.02], 0.95 * contrast, 0.8);
  };
  const haem = (x: number, y: number): void => {
    const rad = rng.uniform(1.6, 3) * px * sizeK;
    for (let j = 0; j < 3; j++) {
      r.ellipse(
        x + rng.normal(0, rad * 0.4),
        y + rng.normal(0, rad * 0.4),
        rad * rng.uniform(0.6, 1),
        rad * rng.uniform(0.4, 0.8),
        rng.uniform(0, Math.PI),
        [0.32, 0.03, 0.02],
        0.8 * contrast,
      );
    }
  };
  const exudates = (): void => {
    const [x0, y0] = spot();
    const n = rng.int(3, 8);
    for (let j = 0; j < n; j++) {
      r.disc(
        x0 + rng.normal(0, 3 * px),
        y0 + rng.normal(0, 3 * px),
        Math.max(0.6, rng.uniform(0.6, 1.3) * px * sizeK),
        [1, 0.92, 0.45],
        0.9 * contrast,
        0.8,
      );
    }
  };
  const cottonWool = (): void => {
    const [x, y] = spot();
    r.blob(x, y, 2.2 * px * sizeK, [0.95, 0.88, 0.75], 0.75 * contrast);
  };

  if (grade >= 1) for (let j = rng.int(1, 5); j > 0; j--) ma();
  if (grade === 2) {
    const kinds = rng.int(1, 3); // bit 1 haemorrhages, bit 2 exudates; cotton wool sometimes
    if (kinds & 1) for (let j = rng.int(1, 5); j > 0; j--) haem(...spot());
    if (kinds & 2) exudates();
    if (!(kinds & 1) || rng.bernoulli(0.3)) cottonWool();
  }
  if (grade >= 3) {
    // severe: haemorrhages in all four quadrants (the "4" of the 4-2-1 rule)
    const perQuadrant = grade === 3 ? rng.int(3, 5) : rng.int(1, 4);
    for (let q = 0; q < 4; q++) {
      for (let j = 0; j < perQuadrant; j++) {
        const ang = (q + rng.uniform(0.1, 0.9)) * (Math.PI / 2);
        const d = R * rng.uniform(0.25, 0.85);
        haem(cx + Math.cos(ang) * d, cy + Math.sin(ang) * d);
      }
    }
    if (rng.bernoulli(0.6)) exudates();
    if (rng.bernoulli(0.4)) cottonWool();
  }
  if (grade === 4) {
    const nv = rng.bernoulli(0.75);
    if (nv || rng.bernoulli(0.5)) {
      // neovascularisation: fine tortuous vessels near the disc or elsewhere
      const [x0, y0] = rng.bernoulli(0.6) ? [discX + rng.normal(0, discR), discY + rng.normal(0, discR)] : spot();
      let x = x0,
        y = y0;
      let a = rng.uniform(0, 2 * Math.PI);
      for (let j = 0; j < 14; j++) {
        a += rng.normal(0, 1.1);
        const l = rng.uniform(1.2, 2.5) * px;
        const nx = x + Math.cos(a) * l,
          ny = y + Math.sin(a) * l;
        r.segment(x, y, nx, ny, Math.max(0.6, 0.6 * px), [0.4, 0.04, 0.06], 0.9 * contrast);
        x = nx;
        y = ny;
      }
    }
    if (!nv || rng.bernoulli(0.3)) {
      // preretinal (boat-shaped) haemorrhage
      const [x, y] = spot();
      r.ellipse(
        x,
        y,
        rng.uniform(4, 7) * px,
        rng.uniform(2.5, 4) * px,
        rng.uniform(-0.3, 0.3),
        [0.3, 0.02, 0.02],
        0.85 * contrast,
      );
    }
  }

  // grade-independent distractors: drusen (pale, rounder than exudates) and dust specks (grey, blurry)
  rng = nuisanceRng;
  const distractors = rng.poisson(4 * difficulty);
  for (let j = 0; j < distractors; j++) {
    const [x, y] = spot();
    if (rng.bernoulli(0.5)) r.disc(x, y, Math.max(0.6, 0.9 * px), [0.9, 0.75, 0.5], 0.55, 1);
    else r.blob(x, y, 1.1 * px, [0.25, 0.2, 0.2], 0.6);
  }
  r.noise(rng, 0.01 + 0.035 * difficulty);
  // keep the outside black after noise
  const d = r.data;
  for (let y = 0; y < S; y++) {
    for (let x = 0; x < S; x++) {
      if ((x + 0.5 - cx) ** 2 + (y + 0.5 - cy) ** 2 > (R + 1) * (R + 1)) {
        const o = (y * S + x) * 3;
        d[o] = d[o + 1] = d[o + 2] = 0;
      }
    }
  }
}

function pointInRetina(
  rng: Rng,
  cx: number,
  cy: number,
  R: number,
  ax: number,
  ay: number,
  avoid: number,
): [number, number] {
  for (let t = 0; t < 50; t++) {
    const a = rng.uniform(0, 2 * Math.PI);
    const d = R * Math.sqrt(rng.next());
    const x = cx + Math.cos(a) * d;
    const y = cy + Math.sin(a) * d;
    if (Math.hypot(x - ax, y - ay) > avoid) return [x, y];
  }
  return [cx, cy];
}

/** Four arcades leave the disc (superior/inferior, temporal/nasal) and branch as they go. */
function drawVessels(
  rng: Rng,
  r: Raster,
  x0: number,
  y0: number,
  discR: number,
  cx: number,
  cy: number,
  R: number,
  side: number,
  col: readonly number[],
): void {
  const S = r.width;
  const grow = (x: number, y: number, angle: number, width: number, steps: number, depth: number): void => {
    let a = angle;
    for (let s = 0; s < steps; s++) {
      const l = S * 0.035;
      // bend towards the retina centre line so arcades curve around the macula
      a += rng.normal(0, 0.18);
      const nx = x + Math.cos(a) * l;
      const ny = y + Math.sin(a) * l;
      if ((nx - cx) ** 2 + (ny - cy) ** 2 > R * R * 0.95) return;
      r.segment(x, y, nx, ny, Math.max(0.5, width), col, 0.75);
      x = nx;
      y = ny;
      width *= 0.93;
      if (depth < 2 && rng.bernoulli(0.18))
        grow(x, y, a + rng.pick([-1, 1]) * rng.uniform(0.4, 0.9), width * 0.7, steps - s, depth + 1);
    }
  };
  const w = S * 0.022;
  const temporal = side > 0 ? Math.PI : 0;
  grow(x0, y0 - discR * 0.5, temporal - side * 0.9, w, 14, 0);
  grow(x0, y0 + discR * 0.5, temporal + side * 0.9, w, 14, 0);
  grow(x0, y0 - discR * 0.5, -Math.PI / 2 + side * 0.4, w * 0.8, 7, 1);
  grow(x0, y0 + discR * 0.5, Math.PI / 2 - side * 0.4, w * 0.8, 7, 1);
}

export function generateFundusSet(options: FundusOptions): ImageSet {
  return generateSynthetic(fundus, parseOptions(fundusOptionsSchema, options, 'synthetic fundus'));
}
export function streamFundusSet(options: FundusOptions): Generator<SyntheticSample> {
  return streamSynthetic(fundus, parseOptions(fundusOptionsSchema, options, 'synthetic fundus'));
}
