import { z } from 'zod';

// zod only, for the light '@transfusion/data/schemas' entry (preprocess.ts, which decodes with sharp, uses them).

const sideSchema = z.number().int().min(8).max(2048);

/**
 * Resizing of already decoded images (MedMNIST arrays, in-memory sets):
 * - size: output side (square) in pixels; without it images keep their size.
 * - minSize: images whose smaller side is below this are upsampled to minSize × minSize (for models whose
 *   minimum input is larger than the data); larger images are left as they are. With `size` too, the
 *   output side is max(size, minSize).
 * - fit: 'pad' keeps the aspect ratio and pads with black; 'crop' keeps it and centre-crops; 'stretch' ignores it.
 * - channels: 'auto' keeps 1-channel images 1-channel and colour images RGB (alpha dropped); 1 or 3 force it.
 */
export const resizeOptionsSchema = z
  .object({
    size: sideSchema.optional(),
    minSize: sideSchema.optional(),
    fit: z.enum(['pad', 'crop', 'stretch']).default('pad'),
    channels: z.union([z.literal('auto'), z.literal(1), z.literal(3)]).default('auto'),
  })
  .strict();
export type ResizeOptions = z.input<typeof resizeOptionsSchema>;
export type ResolvedResize = z.infer<typeof resizeOptionsSchema>;

/**
 * How an image file becomes a model input: the resize options with a required `size` (files differ in size),
 * plus
 * - fundus: 'trim' crops the dark border around the retina; 'circle' also blacks out everything outside the
 *   inscribed circle after resizing (removes camera-specific corners); 'graham' is the Kaggle DR 2015 winner's
 *   recipe on top of the trim: 4·img − 4·GaussianBlur(img, σ = r/30) + 128, everything outside 90 % of the
 *   radius set to grey 128 (removes illumination and camera colour differences).
 * - window: for DICOM inputs, 'file' (WindowCenter/Width, else min–max) or 'minmax'.
 */
export const preprocessOptionsSchema = resizeOptionsSchema
  .extend({
    size: sideSchema,
    fundus: z.enum(['none', 'trim', 'circle', 'graham']).default('none'),
    /** Pixels darker than this (max over channels, 0–255) count as border for fundus trimming. */
    borderThreshold: z.number().int().min(0).max(254).default(20),
    window: z.enum(['file', 'minmax']).default('file'),
  })
  .strict();
export type PreprocessOptions = z.input<typeof preprocessOptionsSchema>;
export type ResolvedPreprocess = z.infer<typeof preprocessOptionsSchema>;
