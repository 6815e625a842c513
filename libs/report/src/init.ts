import { stageNames, type Init, type ModelInfo } from './schema.js';

/**
 * A model's body stages, input to output: its own `stages` (e.g. Inception-v3: conv1, stem, mixed0..mixed10), else
 * the paper's ResNet names (conv1, block1..block4). Transfusion prefixes are ordered and labelled by it.
 */
export function stagesOf(model?: Pick<ModelInfo, 'stages'>): string[] {
  return [...(model?.stages ?? stageNames)];
}

/** Stable key for grouping runs by initialisation, e.g. `transfusion:block1`. */
export function initKey(init: Init): string {
  return init.kind === 'transfusion' ? `transfusion:${init.upTo}` : init.kind;
}

/** `transferSource` names what the source weights were pretrained on (ImageNet in the paper; here maybe not). */
export function initLabel(init: Init, transferSource?: string): string {
  switch (init.kind) {
    case 'random':
      return 'Random init';
    case 'pretrained':
      return transferSource ? `Transfer (pretrained on ${transferSource})` : 'Transfer (pretrained)';
    case 'meanvar':
      return 'Mean Var init';
    case 'transfusion':
      return `Transfusion ≤ ${init.upTo}`;
    case 'gabor':
      return 'Synthetic Gabor conv1';
  }
}

/**
 * Display order: random, transfusion prefixes from shallow to deep (in `model`'s stage order), Mean Var, Gabor,
 * full transfer. Prefixes sit in [1, 2) by relative depth, so several models' prefixes interleave sensibly.
 */
export function initOrder(init: Init, model?: Pick<ModelInfo, 'stages'>): number {
  switch (init.kind) {
    case 'random':
      return 0;
    case 'transfusion': {
      const stages = stagesOf(model);
      const at = stages.indexOf(init.upTo);
      return 1 + (at < 0 ? stages.length : at) / (stages.length + 1);
    }
    case 'meanvar':
      return 10;
    case 'gabor':
      return 11;
    case 'pretrained':
      return 20;
  }
}

/**
 * Short form for crowded axes (Fig 7 bars), as in the paper: Random, ≤ conv1, ≤ block1, …, Transfer (≤ block4);
 * the last stage is `model`'s (Inception-v3: Transfer (≤ mixed10)).
 */
export function initShortLabel(init: Init, model?: Pick<ModelInfo, 'stages'>): string {
  switch (init.kind) {
    case 'random':
      return 'Random';
    case 'pretrained':
      // the whole body pretrained: transfusion up to the last stage is full transfer (same initial weights)
      return `Transfer (≤ ${stagesOf(model).at(-1)!})`;
    case 'meanvar':
      return 'Mean Var';
    case 'transfusion':
      return `≤ ${init.upTo}`;
    case 'gabor':
      return 'Gabor conv1';
  }
}
