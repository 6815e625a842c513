import type { PaperModel } from './schema.js';

/**
 * Published values of Raghu et al. 2019 (AUC in percent, mean ± std over 3 runs), used only for the clearly
 * marked "paper" column. `secondary: true` marks values taken from secondary sources quoting the paper.
 */
export interface PaperValue {
  mean: number;
  std?: number;
  secondary?: boolean;
}

type ByInit = { random: PaperValue; pretrained: PaperValue };

export const paperTable1Retina: Partial<Record<PaperModel, ByInit>> = {
  'ResNet-50': { random: { mean: 96.4, std: 0.05 }, pretrained: { mean: 96.7, std: 0.04 } },
  'Inception-v3': { random: { mean: 96.6, std: 0.13 }, pretrained: { mean: 96.7, std: 0.05 } },
  'CBR-LargeT': { random: { mean: 96.2, std: 0.04 }, pretrained: { mean: 96.2, std: 0.04 } },
  'CBR-LargeW': {
    random: { mean: 95.8, std: 0.04, secondary: true },
    pretrained: { mean: 95.8, std: 0.05, secondary: true },
  },
  'CBR-Small': {
    random: { mean: 95.7, std: 0.04, secondary: true },
    pretrained: { mean: 95.8, std: 0.01, secondary: true },
  },
  'CBR-Tiny': {
    random: { mean: 95.8, std: 0.03, secondary: true },
    pretrained: { mean: 95.8, std: 0.01, secondary: true },
  },
};

/** Table 3: RETINA with 5,000 training images. */
export const paperTable3RetinaLimited: Partial<Record<PaperModel, ByInit>> = {
  'ResNet-50': { random: { mean: 92.2 }, pretrained: { mean: 94.6 } },
  'CBR-LargeT': { random: { mean: 93.6 }, pretrained: { mean: 93.9 } },
  'CBR-LargeW': { random: { mean: 93.6 }, pretrained: { mean: 93.7 } },
};

/** Table 2: CheXpert per pathology; the paper's ResNet-50 rows. */
export const paperTable2Chexpert: Partial<Record<PaperModel, Record<string, ByInit>>> = {
  'ResNet-50': {
    Atelectasis: { random: { mean: 79.52 }, pretrained: { mean: 79.76 } },
    Cardiomegaly: { random: { mean: 75.23 }, pretrained: { mean: 74.93 } },
    Consolidation: { random: { mean: 85.49 }, pretrained: { mean: 84.42 } },
    Edema: { random: { mean: 88.34 }, pretrained: { mean: 88.89 } },
    'Pleural Effusion': { random: { mean: 88.7 }, pretrained: { mean: 88.07 } },
  },
};

/** The published value for a setting, when the paper reports one. */
export function paperValue(q: {
  setting: 'retina' | 'chexpert' | undefined;
  regime: 'full' | 'limited';
  paperModel: PaperModel | undefined;
  init: string;
  label?: string;
}): PaperValue | undefined {
  if (q.paperModel === undefined || (q.init !== 'random' && q.init !== 'pretrained')) return undefined;
  const init = q.init;
  if (q.setting === 'retina' && q.label === undefined) {
    const table = q.regime === 'full' ? paperTable1Retina : paperTable3RetinaLimited;
    return table[q.paperModel]?.[init];
  }
  if (q.setting === 'chexpert' && q.regime === 'full' && q.label !== undefined) {
    return paperTable2Chexpert[q.paperModel]?.[q.label]?.[init];
  }
  return undefined;
}
