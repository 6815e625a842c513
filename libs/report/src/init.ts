import { stageNames, type Init } from './schema.js';

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

/** Display order: random, transfusion prefixes from shallow to deep, Mean Var, Gabor, full transfer. */
export function initOrder(init: Init): number {
  switch (init.kind) {
    case 'random':
      return 0;
    case 'transfusion':
      return 1 + stageNames.indexOf(init.upTo);
    case 'meanvar':
      return 10;
    case 'gabor':
      return 11;
    case 'pretrained':
      return 20;
  }
}

/** Short form for crowded axes (Fig 7 bars), as in the paper: Random, ≤ conv1, ≤ block1, …, Transfer (≤ block4). */
export function initShortLabel(init: Init): string {
  switch (init.kind) {
    case 'random':
      return 'Random';
    case 'pretrained':
      // the whole body pretrained: transfusion up to block4 is full transfer (same initial weights)
      return 'Transfer (≤ block4)';
    case 'meanvar':
      return 'Mean Var';
    case 'transfusion':
      return `≤ ${init.upTo}`;
    case 'gabor':
      return 'Gabor conv1';
  }
}
