import { z } from 'zod';

/**
 * Loss weights: 'balanced' (from the training labels) or one positive number per class (multi-class softmax CE)
 * or per label (the positive-class weight of a multi-label / binary sigmoid BCE, as PyTorch's pos_weight).
 */
export const classWeightsSchema = z.union([z.literal('balanced'), z.array(z.number().positive()).min(1)]);
export type ClassWeightsConfig = z.input<typeof classWeightsSchema>;
