import * as tf from '@tensorflow/tfjs';
import type { StagePlan } from './graph.js';

/** The paper's small conv nets: blocks of conv (stride 1, 'same', no bias) → batch norm → ReLU → max pool 3×3/2. */
export interface CbrConfig {
  kernel: number;
  channels: number[];
  poolAfterLast: boolean;
}

export const CBR_CONFIGS = {
  'cbr-large-t': { kernel: 7, channels: [32, 64, 128, 256, 512], poolAfterLast: false },
  'cbr-large-w': { kernel: 7, channels: [64, 128, 256, 512], poolAfterLast: true },
  'cbr-small': { kernel: 7, channels: [32, 64, 128, 256], poolAfterLast: true },
  'cbr-tiny': { kernel: 5, channels: [64, 128, 256, 512], poolAfterLast: true },
  'cbr-tiny-32': { kernel: 5, channels: [32, 64, 128, 256], poolAfterLast: true },
} as const satisfies Record<string, CbrConfig>;
export type CbrName = keyof typeof CBR_CONFIGS;

/** Parameter counts as the paper reports them (5-class head). */
export const PAPER_REPORTED_PARAMS: Record<CbrName, number | undefined> = {
  'cbr-large-t': 8_532_480,
  'cbr-large-w': 8_432_128,
  'cbr-small': 2_108_672,
  'cbr-tiny': undefined, // the text's 64–512 widths do not give the reported count; cbr-tiny-32 does
  'cbr-tiny-32': 1_076_480,
};

export function isCbrName(name: string): name is CbrName {
  return name in CBR_CONFIGS;
}

/**
 * The paper's way of counting: Σ k²·c_in·c_out over blocks 2..n plus the head's weights without bias
 * (first conv, batch norm and biases left out). Reproduces the reported numbers with 5 classes.
 */
export function paperStyleParamCount(name: CbrName, classes: number): number {
  const { kernel, channels } = CBR_CONFIGS[name];
  let total = 0;
  for (let i = 1; i < channels.length; i++) total += kernel * kernel * channels[i - 1]! * channels[i]!;
  return total + channels[channels.length - 1]! * classes;
}

export function cbrPlan(name: CbrName): StagePlan[] {
  const cfg = CBR_CONFIGS[name];
  return cfg.channels.map((filters, i) => {
    const stage = `layer${i + 1}`;
    const pool = i < cfg.channels.length - 1 || cfg.poolAfterLast;
    return {
      name: stage,
      build(x, g) {
        x = g.apply(
          tf.layers.conv2d({
            filters: g.channels(filters),
            kernelSize: cfg.kernel,
            strides: 1,
            padding: 'same',
            useBias: false,
            kernelInitializer: g.kernelInitializer,
            name: `${stage}_conv`,
          }),
          x,
        );
        x = g.apply(tf.layers.batchNormalization({ axis: 3, name: `${stage}_bn` }), x);
        x = g.apply(tf.layers.activation({ activation: 'relu', name: `${stage}_relu` }), x);
        if (pool) {
          x = g.apply(tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same', name: `${stage}_pool` }), x);
        }
        return x;
      },
    };
  });
}
