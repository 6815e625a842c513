import { z } from 'zod';

/** The 14 CheXpert observations, in the column order of train.csv. */
export const CHEXPERT_OBSERVATIONS = [
  'No Finding',
  'Enlarged Cardiomediastinum',
  'Cardiomegaly',
  'Lung Opacity',
  'Lung Lesion',
  'Edema',
  'Consolidation',
  'Pneumonia',
  'Atelectasis',
  'Pneumothorax',
  'Pleural Effusion',
  'Pleural Other',
  'Fracture',
  'Support Devices',
] as const;

/** The five CheXpert competition pathologies (the paper's and the leaderboard's labels). */
export const CHEXPERT_COMPETITION = [
  'Atelectasis',
  'Cardiomegaly',
  'Consolidation',
  'Edema',
  'Pleural Effusion',
] as const;

/**
 * Uncertain-label policy (Irvin et al. 2019): U-Ignore masks -1 out of the loss, U-Zeros maps it to 0,
 * U-Ones maps it to 1.
 */
export const uncertaintyPolicySchema = z.enum(['ignore', 'zeros', 'ones']);
export type UncertaintyPolicy = z.infer<typeof uncertaintyPolicySchema>;

/** What a blank ("not mentioned") cell becomes: 0 (default, as in the CheXpert paper) or masked. */
export const blankPolicySchema = z.enum(['zero', 'ignore']);
export type BlankPolicy = z.infer<typeof blankPolicySchema>;

/** Raw label cell states as counted by summaries. */
export type RawLabelState = 'positive' | 'negative' | 'uncertain' | 'blank';

export function rawState(v: number): RawLabelState {
  if (Number.isNaN(v)) return 'blank';
  if (v === -1) return 'uncertain';
  return v === 1 ? 'positive' : 'negative';
}

/**
 * Maps raw values (1, 0, -1, NaN = blank) to training targets and a mask (1 = counts in the loss).
 */
export function applyUncertaintyPolicy(
  raw: readonly number[],
  policy: UncertaintyPolicy,
  blank: BlankPolicy = 'zero',
): { labels: number[]; mask: number[] } {
  const labels: number[] = [];
  const mask: number[] = [];
  for (const v of raw) {
    const s = rawState(v);
    if (s === 'blank') {
      labels.push(0);
      mask.push(blank === 'zero' ? 1 : 0);
    } else if (s === 'uncertain') {
      labels.push(policy === 'ones' ? 1 : 0);
      mask.push(policy === 'ignore' ? 0 : 1);
    } else {
      labels.push(v);
      mask.push(1);
    }
  }
  return { labels, mask };
}
