import { z } from 'zod';

/**
 * How pixels become model inputs, matching the weights a model starts from: 'unit' x/255, 'tf' x/127.5 - 1
 * (Keras InceptionV3), 'caffe' RGB->BGR minus the ImageNet BGR mean on the 0-255 scale (Keras ResNet50),
 * 'torch' (x/255 - mean) / std with the ImageNet RGB statistics (torchvision).
 */
export const INPUT_TRANSFORMS = ['unit', 'tf', 'caffe', 'torch'] as const;
export const inputTransformSchema = z.enum(INPUT_TRANSFORMS);
export type InputTransform = z.output<typeof inputTransformSchema>;
