import { stageNames } from '../schema.js';

/** One colour per init across every figure (Okabe–Ito for the main three, a purple ramp for prefixes). */
const fixedColours: Record<string, string> = {
  random: '#d55e00',
  meanvar: '#009e73',
  pretrained: '#0072b2',
  gabor: '#e69f00',
};
const prefixRamp = ['#c2a5cf', '#9970ab', '#762a83', '#5a1a66', '#40004b'];

export function initColour(key: string): string {
  if (key in fixedColours) return fixedColours[key]!;
  const stage = key.startsWith('transfusion:') ? stageNames.indexOf(key.slice('transfusion:'.length) as (typeof stageNames)[number]) : -1;
  return stage >= 0 ? prefixRamp[stage]! : '#56b4e9';
}

/** Colours for additional series (hybrid models), distinct from the init colours. */
export const extraColours = ['#56b4e9', '#cc79a7', '#000000', '#999999'];
