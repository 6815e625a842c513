import { afterEach, describe, expect, it } from 'vitest';
import {
  gaborInit,
  initialise,
  meanVarInit,
  modelOptionsFor,
  pretrainedInit,
  randomInit,
  setWeights,
  transfusionInit,
  weightSourceOf,
  type InitStrategy,
  type WeightMap,
} from '../src/index.js';
import { SMALL, build, disposeBuilt, equalArrays } from './helpers.js';

afterEach(disposeBuilt);

function sameWeights(a: WeightMap, b: WeightMap): boolean {
  return (
    Object.keys(a).length === Object.keys(b).length &&
    Object.keys(a).every((k) => b[k] && equalArrays(a[k]!.data, b[k]!.data))
  );
}

describe('initialise (strategy as data)', () => {
  it('dispatches to each strategy with the same result as the direct call', () => {
    const srcModel = build(SMALL.cbr);
    setWeights(srcModel, randomInit(srcModel, { seed: 17, scheme: 'he' }));
    const src = weightSourceOf(srcModel);
    const zm = build(SMALL.cbr);
    const cases: [InitStrategy, WeightMap][] = [
      [{ strategy: 'random', seed: 1 }, randomInit(zm, { seed: 1 })],
      [{ strategy: 'pretrained', seed: 1 }, pretrainedInit(zm, src, { seed: 1 }).weights],
      [
        { strategy: 'meanvar', seed: 1, batchNorm: 'copy' },
        meanVarInit(zm, src, { seed: 1, batchNorm: 'copy' }).weights,
      ],
      [
        { strategy: 'transfusion', seed: 1, upTo: 'layer2' },
        transfusionInit(zm, src, { seed: 1, upTo: 'layer2' }).weights,
      ],
      [{ strategy: 'gabor', seed: 1, orientations: 4 }, gaborInit(zm, { seed: 1, orientations: 4 }, src).weights],
    ];
    for (const [init, expected] of cases)
      expect(sameWeights(initialise(zm, init, src).weights, expected), init.strategy).toBe(true);
    expect(initialise(zm, { strategy: 'random', seed: 1 }).report.random.length).toBe(Object.keys(cases[0]![1]).length);
  });

  it('slim builds a narrowed model and transfers the prefix', () => {
    const init: InitStrategy = { strategy: 'slim', upTo: 'layer2', seed: 3 };
    const options = modelOptionsFor(SMALL.cbr, init);
    expect(options.stageWidth).toEqual({ layer3: 0.5, layer4: 0.5 });
    expect(modelOptionsFor(SMALL.cbr, { strategy: 'random', seed: 1 })).toBe(SMALL.cbr);
    const srcModel = build(SMALL.cbr);
    const zm = build(options);
    const { weights, report } = initialise(zm, init, weightSourceOf(srcModel));
    expect(weights['layer4_conv/kernel']!.shape).toEqual([7, 7, 8, 16]); // 16 → 8 and 32 → 16 channels
    expect(report.loaded).toContain('layer2_conv/kernel');
  });

  it('rejects a missing source and unknown strategies or fields', () => {
    const zm = build(SMALL.cbr);
    expect(() => initialise(zm, { strategy: 'meanvar', seed: 1 })).toThrow(
      /strategy 'meanvar' needs source \(pretrained\) weights/,
    );
    expect(() => initialise(zm, { strategy: 'imagenet', seed: 1 } as never)).toThrow(
      /initialise: invalid options: strategy/,
    );
    expect(() => initialise(zm, { strategy: 'random', seed: 1, upTo: 'layer1' } as never)).toThrow(
      /initialise: invalid options: .*upTo/,
    );
  });
});
