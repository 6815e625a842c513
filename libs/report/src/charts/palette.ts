import { stageNames } from '../schema.js';

/** One colour per init across every figure (Okabe–Ito for the main three, a purple ramp for prefixes). */
const fixedColours: Record<string, string> = {
  random: '#d55e00',
  meanvar: '#009e73',
  pretrained: '#0072b2',
  gabor: '#e69f00',
};
const prefixRamp = ['#c2a5cf', '#9970ab', '#762a83', '#5a1a66', '#40004b'];

/** `stages`: the model's stage order (default the paper's ResNet names); prefixes darken with depth along it. */
export function initColour(key: string, stages: readonly string[] = stageNames): string {
  if (key in fixedColours) return fixedColours[key]!;
  const stage = key.startsWith('transfusion:') ? stages.indexOf(key.slice('transfusion:'.length)) : -1;
  if (stage < 0) return '#56b4e9';
  const depth = stages.length > 1 ? stage / (stages.length - 1) : 0;
  return prefixRamp[Math.round(depth * (prefixRamp.length - 1))]!;
}

/** Colours for additional series (hybrid models), distinct from the init colours. */
export const extraColours = ['#56b4e9', '#cc79a7', '#000000', '#999999'];
