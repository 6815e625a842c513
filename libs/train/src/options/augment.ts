import { z } from 'zod';

/** [min, max] with min <= max. */
function range(item: z.ZodNumber) {
  return z.tuple([item, item]).refine(([lo, hi]) => lo <= hi, { message: 'expected [min, max] with min <= max' });
}

/**
 * Seeded augmentation of training images, on pixels in [0,1] units before the input transform. Every part is
 * off by default; see training/augment.ts for the exact operations.
 */
export const augmentSchema = z
  .object({
    /** Mirror left-right with probability 0.5. */
    hflip: z.boolean().default(false),
    /** Mirror top-bottom with probability 0.5. */
    vflip: z.boolean().default(false),
    /** Rotate by an angle uniform in ±rotate degrees about the centre (bilinear, fill 0). */
    rotate: z.number().min(0).max(180).default(0),
    /** Random resized crop (torchvision's RandomResizedCrop): crop, then resize back to the input size (bilinear). */
    crop: z
      .object({
        /** Crop area as a fraction of the image area, uniform in [min, max]. */
        scale: range(z.number().gt(0).max(1)).default([0.08, 1]),
        /** Crop width / height in pixels, log-uniform in [min, max]. */
        ratio: range(z.number().positive()).default([3 / 4, 4 / 3]),
      })
      .strict()
      .optional(),
    /** Additive shift uniform in ±brightness ([0,1] pixel units). */
    brightness: z.number().min(0).max(1).default(0),
    /** Contrast factor uniform in 1 ± contrast, about the image mean. */
    contrast: z.number().min(0).max(1).default(0),
  })
  .strict();
export type AugmentConfig = z.input<typeof augmentSchema>;
export type Augment = z.output<typeof augmentSchema>;
