import { z } from 'zod';

// Mirrors of @transfusion/report's modelInfoSchema and reportOptionsSchema, so pipeline files are checked when
// they are planned without loading the report lib (vega, resvg) into every stage process. The report validates
// again with its own schemas (test/report-schemas.test.ts checks that both accept and reject the same values).

export const modelInfoSchema = z.strictObject({
  id: z.string().min(1),
  label: z.string().min(1),
  family: z.enum(['imagenet', 'cbr', 'other']),
  paperModel: z.enum(['ResNet-50', 'Inception-v3', 'CBR-LargeT', 'CBR-LargeW', 'CBR-Small', 'CBR-Tiny']).optional(),
  hybridOf: z.string().min(1).optional(),
});

export const reportOptionsSchema = z.strictObject({
  aucTolerance: z.number().positive().max(0.5).optional(),
  transferGainMargin: z.number().nonnegative().max(0.5).optional(),
  ccaGapMargin: z.number().nonnegative().max(1).optional(),
  convergenceThreshold: z.number().gt(0).lt(1).optional(),
  thresholdFraction: z.number().gt(0).max(1).optional(),
  recoveredFraction: z.number().gt(0).max(1).optional(),
  pngScale: z.number().min(1).max(4).optional(),
});
