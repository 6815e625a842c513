import { z } from 'zod';
import { ModelsError, WeightsFileError } from './errors.js';
import { parseOptions } from './options.js';

/** Every model of the zoo. `cbr-tiny` follows the paper's text (64–512 channels), `cbr-tiny-32` its parameter count. */
export const MODEL_NAMES = [
  'cbr-large-t',
  'cbr-large-w',
  'cbr-small',
  'cbr-tiny',
  'cbr-tiny-32',
  'resnet50',
  'inception-v3',
] as const;
export type ModelName = (typeof MODEL_NAMES)[number];

const positiveInt = z.number().int().positive();

export const modelOptionsSchema = z
  .object({
    name: z.enum(MODEL_NAMES),
    /** Square side or [height, width]; default 224 (299 for inception-v3, as Keras). */
    inputSize: z.union([positiveInt, z.tuple([positiveInt, positiveInt])]).optional(),
    /** Input channels (1 for grayscale radiographs, 3 for RGB). */
    channels: positiveInt.default(3),
    /** Outputs of the dense head. */
    classes: positiveInt.default(1000),
    /** Multiplies every layer's channel count (rounded, at least 1). */
    width: z.number().positive().max(16).default(1),
    /** Keep the body up to and including this stage, then the head (e.g. 'block2'). */
    lastStage: z.string().min(1).optional(),
    /** Extra channel multiplier per stage, on top of `width` (the Slim hybrid uses {block3: 0.5, block4: 0.5}). */
    stageWidth: z.record(z.string(), z.number().positive().max(16)).default({}),
    /** ResNet only: residual blocks per stage (Keras ResNet50: [3, 4, 6, 3]). */
    blocks: z.array(positiveInt).length(4).optional(),
    /** Head activation; 'linear' gives logits (what losses computed from logits expect). Keras uses softmax. */
    headActivation: z.enum(['linear', 'softmax', 'sigmoid']).default('linear'),
  })
  .strict();

export type ModelOptions = z.input<typeof modelOptionsSchema>;

/**
 * The architecture part of a model's options, as a study or pipeline chooses it: everything but what the data
 * decides (input size, channels, classes) and the head's activation, which the training loop decides (its losses
 * take logits, so the head stays 'linear').
 */
export const architectureSchema = modelOptionsSchema.omit({
  inputSize: true,
  channels: true,
  classes: true,
  headActivation: true,
});
export type Architecture = z.infer<typeof architectureSchema>;

/** Options with every default filled in: what a model was built from, stored with its weights. */
export interface ModelSpec {
  name: ModelName;
  inputShape: [number, number, number];
  classes: number;
  width: number;
  lastStage?: string;
  stageWidth: Record<string, number>;
  blocks?: number[];
  headActivation: 'linear' | 'softmax' | 'sigmoid';
}

export function isModelName(name: string): name is ModelName {
  return (MODEL_NAMES as readonly string[]).includes(name);
}

/** Validates options (throws ModelsError naming the field) and fills the defaults. */
export function resolveModelSpec(options: ModelOptions): ModelSpec {
  const rawName = (options as { name?: unknown }).name;
  if (typeof rawName === 'string' && !isModelName(rawName)) {
    throw new ModelsError('UNKNOWN_MODEL', `unknown model '${rawName}'; known models: ${MODEL_NAMES.join(', ')}`);
  }
  const o = parseOptions(modelOptionsSchema, options, 'model');
  if (o.blocks && o.name !== 'resnet50') {
    throw new ModelsError(
      'BAD_OPTIONS',
      `model: invalid options: blocks: only resnet50 has residual blocks, not ${o.name}`,
    );
  }
  const side = o.inputSize ?? (o.name === 'inception-v3' ? 299 : 224);
  const [h, w] = typeof side === 'number' ? [side, side] : side;
  const spec: ModelSpec = {
    name: o.name,
    inputShape: [h, w, o.channels],
    classes: o.classes,
    width: o.width,
    stageWidth: o.stageWidth,
    headActivation: o.headActivation,
  };
  if (o.lastStage !== undefined) spec.lastStage = o.lastStage;
  if (o.blocks !== undefined) spec.blocks = o.blocks;
  return spec;
}

const storedSpecSchema = z
  .object({
    name: z.enum(MODEL_NAMES),
    inputShape: z.tuple([positiveInt, positiveInt, positiveInt]),
    classes: positiveInt,
    width: z.number().positive(),
    lastStage: z.string().min(1).optional(),
    stageWidth: z.record(z.string(), z.number().positive()),
    blocks: z.array(positiveInt).length(4).optional(),
    headActivation: z.enum(['linear', 'softmax', 'sigmoid']),
  })
  .strict();

/** Reads a spec stored with weights (Arrow metadata, model.json userDefinedMetadata); `origin` names the file. */
export function parseStoredSpec(raw: unknown, origin: string): ModelSpec {
  const r = storedSpecSchema.safeParse(raw);
  if (!r.success) {
    const issues = r.error.issues.map((i) => `${i.path.join('.') || '(spec)'}: ${i.message}`).join('; ');
    throw new WeightsFileError(origin, `stored model spec is invalid: ${issues}`);
  }
  const { lastStage, blocks, ...rest } = r.data;
  return { ...rest, ...(lastStage !== undefined ? { lastStage } : {}), ...(blocks !== undefined ? { blocks } : {}) };
}
