import { z } from 'zod';

// The options of every init strategy, zod only (no tfjs): @transfusion/models/schemas exports them, so a pipeline
// file's init is checked by these very schemas without loading the model zoo.

/**
 * 'keras': what Keras layers do by default: glorot_uniform kernels, zero biases, batch norm gamma 1, beta 0,
 * moving mean 0, moving variance 1. 'he': He-normal kernels (Keras he_normal: truncated normal,
 * std sqrt(2/fan_in)), the rest as 'keras'.
 */
export const randomSchemeSchema = z.enum(['keras', 'he']);
export type RandomScheme = z.infer<typeof randomSchemeSchema>;

export const randomInitOptionsSchema = z
  .object({ seed: z.number().int().nonnegative(), scheme: randomSchemeSchema.default('keras') })
  .strict();
export type RandomInitOptions = z.input<typeof randomInitOptionsSchema>;

export const transferOptionsSchema = z
  .object({
    /** Seed for every weight not taken from the source. */
    seed: z.number().int().nonnegative(),
    scheme: randomSchemeSchema.default('keras'),
    /** 'reinit' (default): the head is new, as for a new task; 'keep': take it too (shapes must match). */
    head: z.enum(['reinit', 'keep']).default('reinit'),
    /**
     * 'adapt' (default): a first-conv kernel saved for another number of input channels is converted as timm
     * does: summed over channels for 1 channel, else repeated cyclically and scaled by c_src/c. 'strict': error.
     */
    inputChannels: z.enum(['adapt', 'strict']).default('adapt'),
    /** Initialise weights that are missing or do not fit randomly and report them, instead of throwing. */
    allowPartial: z.boolean().default(false),
  })
  .strict();
export type TransferOptions = z.input<typeof transferOptionsSchema>;

export const transfusionOptionsSchema = transferOptionsSchema
  .omit({ head: true })
  .extend({ /** Last stage taken from the source (e.g. 'conv1', 'block2'). */ upTo: z.string().min(1) })
  .strict();
export type TransfusionOptions = z.input<typeof transfusionOptionsSchema>;

export const slimOptionsSchema = z
  .object({
    /** Last full-width, pretrained stage (the paper's hybrid: 'block2'). */
    upTo: z.string().min(1),
    /** Channel multiplier for the later stages (the paper halves them). */
    factor: z.number().positive().max(1).default(0.5),
  })
  .strict();
export type SlimOptions = z.input<typeof slimOptionsSchema>;

export const meanVarOptionsSchema = z
  .object({
    seed: z.number().int().nonnegative(),
    scheme: randomSchemeSchema.default('keras'),
    /**
     * Batch norm: 'meanvar' (default) draws gamma and beta iid from N(mean, var) of the source's gamma and
     * beta, like every other weight, and resets the moving statistics to 0 and 1 (they describe the
     * pretrained features, which no longer exist); 'copy' copies all four tensors; 'reset' uses Keras defaults.
     */
    batchNorm: z.enum(['meanvar', 'copy', 'reset']).default('meanvar'),
    allowPartial: z.boolean().default(false),
  })
  .strict();
export type MeanVarOptions = z.input<typeof meanVarOptionsSchema>;

export const gaborFilterOptionsSchema = z
  .object({
    /** Mean and variance of the whole kernel after scaling (default: the source's first conv, else Keras init: 0 and 2/(fan_in+fan_out)). */
    target: z.object({ mean: z.number(), variance: z.number().positive() }).strict().optional(),
    /** Orientations θ = iπ/n; default: enough to give every output channel its own (θ, f, ψ). */
    orientations: z.number().int().positive().optional(),
    /** Spatial frequencies in cycles per pixel (0, 0.5]; default: geometric from max(1/k, 0.1) to 0.4, 4 values for ≥ 32 filters, else 2. */
    frequencies: z.array(z.number().positive().max(0.5)).min(1).optional(),
    /** Phases ψ in radians; 0 gives even (cosine) filters, π/2 odd (sine) ones. */
    phases: z
      .array(z.number())
      .min(1)
      .default([0, Math.PI / 2]),
    /** Gaussian envelope σ in pixels; default min(0.56/f, k/3) (about one octave of bandwidth, kept inside the kernel). */
    sigma: z.number().positive().optional(),
    /** Spatial aspect ratio γ of the envelope. */
    aspect: z.number().positive().default(0.5),
  })
  .strict();
export type GaborFilterOptions = z.input<typeof gaborFilterOptionsSchema>;

export const gaborInitOptionsSchema = gaborFilterOptionsSchema
  .extend({ seed: z.number().int().nonnegative(), scheme: randomSchemeSchema.default('keras') })
  .strict();
export type GaborInitOptions = z.input<typeof gaborInitOptionsSchema>;

/**
 * One initialisation as data (e.g. a pipeline's `init:` parameter): the strategy name plus that strategy's
 * options. `slim` also changes the model: build it from modelOptionsFor(options, init).
 */
export const initStrategySchema = z.discriminatedUnion('strategy', [
  randomInitOptionsSchema.extend({ strategy: z.literal('random') }).strict(),
  transferOptionsSchema.extend({ strategy: z.literal('pretrained') }).strict(),
  meanVarOptionsSchema.extend({ strategy: z.literal('meanvar') }).strict(),
  transfusionOptionsSchema.extend({ strategy: z.literal('transfusion') }).strict(),
  transfusionOptionsSchema.extend({ strategy: z.literal('slim'), factor: slimOptionsSchema.shape.factor }).strict(),
  gaborInitOptionsSchema.extend({ strategy: z.literal('gabor') }).strict(),
]);
export type InitStrategy = z.input<typeof initStrategySchema>;
export type InitStrategyName = InitStrategy['strategy'];
