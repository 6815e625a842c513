import type { z } from 'zod';
import { WeightsMismatchError, type WeightMismatch } from '../errors.js';
import { parseOptions } from '../options.js';
import {
  sameShape,
  weightSpecs,
  weightTensor,
  type WeightMap,
  type WeightSource,
  type WeightSpec,
  type WeightTensor,
} from '../weights.js';
import type { ZooModel } from '../zoo.js';
import { matchSource, unusedNames } from './match.js';
import { randomWeight } from './random.js';
import { transferOptionsSchema, type TransferOptions } from './options.js';

/** What an init strategy took from where; every weight of the model is in exactly one of loaded/random/adapted. */
export interface InitReport {
  origin: string;
  loaded: string[];
  random: string[];
  /** First-conv kernels whose input channels were adapted (e.g. RGB → grayscale). */
  adapted: { name: string; from: number[]; to: number[] }[];
  /** Weights that did not fit; only non-empty with allowPartial (they were initialised randomly). */
  mismatches: WeightMismatch[];
  /** Source weights the model has no place for (e.g. the source's own head). */
  unused: string[];
  /** Source layers renamed to the model's names (legacy Keras ResNet names, renumbered automatic names). */
  renamed: number;
  /** Weights generated synthetically (Gabor filters). */
  synthetic?: string[];
  warnings: string[];
}

export interface InitResult {
  weights: WeightMap;
  report: InitReport;
}

type ResolvedTransfer = z.output<typeof transferOptionsSchema>;

/** timm's adapt_input_conv on an HWIO kernel. */
export function adaptInputChannels(src: WeightTensor, channels: number): WeightTensor {
  const [kh, kw, cin, cout] = src.shape as [number, number, number, number];
  const out = weightTensor([kh, kw, channels, cout]);
  const scale = channels === 1 ? 1 : cin / channels;
  for (let p = 0; p < kh * kw; p++) {
    for (let o = 0; o < cout; o++) {
      if (channels === 1) {
        let s = 0;
        for (let c = 0; c < cin; c++) s += src.data[(p * cin + c) * cout + o]!;
        out.data[p * cout + o] = s;
      } else {
        for (let c = 0; c < channels; c++)
          out.data[(p * channels + c) * cout + o] = src.data[(p * cin + (c % cin)) * cout + o]! * scale;
      }
    }
  }
  return out;
}

function isFirstKernel(
  spec: WeightSpec,
  first: WeightSpec | undefined,
  source: WeightTensor,
  inputChannels: number,
): boolean {
  return (
    spec === first &&
    spec.shape.length === 4 &&
    source.shape.length === 4 &&
    spec.shape[2] === inputChannels &&
    source.shape[0] === spec.shape[0] &&
    source.shape[1] === spec.shape[1] &&
    source.shape[3] === spec.shape[3]
  );
}

/**
 * Copies source weights into the weights `take` selects, matching by name; the rest (and the head unless
 * kept) random. Shared by pretrained init, weight transfusion and the Slim hybrid.
 */
export function transferWeights(
  zm: ZooModel,
  source: WeightSource,
  o: ResolvedTransfer,
  take: (s: WeightSpec) => boolean,
): InitResult {
  const specs = weightSpecs(zm);
  const match = matchSource(zm, source, specs);
  const firstKernel = specs.find((s) => s.kind === 'kernel');
  const report: InitReport = {
    origin: source.origin,
    loaded: [],
    random: [],
    adapted: [],
    mismatches: [],
    unused: [],
    renamed: match.renamed,
    warnings: match.warnings,
  };
  const weights: WeightMap = {};
  for (const s of specs) {
    const wanted = s.stage === 'head' ? o.head === 'keep' : take(s);
    const src = match.byName.get(s.name);
    if (!wanted) {
      weights[s.name] = randomWeight(s, o.seed, o.scheme);
      report.random.push(s.name);
    } else if (src && sameShape(src.shape, s.shape)) {
      weights[s.name] = weightTensor(s.shape, Float32Array.from(src.data));
      report.loaded.push(s.name);
    } else if (src && o.inputChannels === 'adapt' && isFirstKernel(s, firstKernel, src, zm.spec.inputShape[2])) {
      weights[s.name] = adaptInputChannels(src, s.shape[2]!);
      report.adapted.push({ name: s.name, from: src.shape, to: s.shape });
    } else {
      report.mismatches.push(
        src
          ? { name: s.name, reason: 'shape', expected: s.shape, got: src.shape }
          : { name: s.name, reason: 'missing-in-source', expected: s.shape },
      );
      weights[s.name] = randomWeight(s, o.seed, o.scheme);
      report.random.push(s.name);
    }
  }
  report.unused = unusedNames(match, [...report.loaded, ...report.adapted.map((a) => a.name)]);
  if (report.mismatches.length && !o.allowPartial) {
    const shapeHint = report.mismatches.some((m) => m.reason === 'shape')
      ? 'Build the model with the options the weights were saved with (width, stageWidth, classes with head: keep), or pass allowPartial: true.'
      : 'Pass allowPartial: true to initialise the missing weights randomly.';
    throw new WeightsMismatchError(source.origin, report.mismatches, shapeHint);
  }
  return { weights, report };
}

/** Pretrained init: every weight from the source by name, the head re-initialised for the new task. */
export function pretrainedInit(zm: ZooModel, source: WeightSource, options: TransferOptions): InitResult {
  const o = parseOptions(transferOptionsSchema, options, 'pretrainedInit');
  return transferWeights(zm, source, o, () => true);
}
