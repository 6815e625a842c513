import { describe, expect, test } from 'vitest';
import { loadPipelineFile, loadPlan, PipelineFileError, selectStages, UsageError } from '@transfusion/pipeline';
import { closest, didYouMean, editDistance } from '../src/suggest.js';
import { REGISTRY, workspace } from './helpers.js';

const yaml = `vars:
  epochs: 3
  seeds: [1, 2]
stages:
  source-a:
    uses: source
    matrix: { n: [1, 2] }
    with: { n: "\${matrix.n}" }
  scaled:
    uses: scale
    with: { factor: 2 }
    needs: { values: source-a.1.values }
`;

describe('did you mean', () => {
  test('edit distance counts insertions, deletions, substitutions and adjacent swaps', () => {
    expect(editDistance('epochs', 'epochs')).toBe(0);
    expect(editDistance('epoch', 'epochs')).toBe(1);
    expect(editDistance('trian', 'train')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(closest('sead', ['seeds', 'seed', 'epochs'])).toEqual(['seed']);
    expect(closest('m', ['n'])).toEqual([]);
    expect(didYouMean('zzzz', ['seeds', 'epochs'])).toBe('');
    expect(didYouMean('Epochs', ['epochs'])).toBe(' (did you mean epochs?)');
  });

  test('--set: an unknown var, top-level key, stage or stage key is refused with the closest names', async () => {
    const ws = workspace(yaml);
    const err = (sets: string[]) =>
      loadPipelineFile(ws.file, sets).then(
        () => null,
        (e: unknown) => e as Error,
      );
    const v = await err(['vars.epoch=5']);
    expect(v).toBeInstanceOf(UsageError);
    expect(v!.message).toBe(
      "--set vars.epoch: the file has no var 'epoch' (did you mean epochs?); its vars: epochs, seeds",
    );
    expect((await err(['stage.x=1']))!.message).toMatch(/no key 'stage' \(did you mean stages\?\)/);
    expect((await err(['stages.scaeld.with.factor=3']))!.message).toMatch(
      /no stage 'scaeld' \(did you mean scaled\?\)/,
    );
    expect((await err(['stages.scaled.wiht.factor=3']))!.message).toMatch(
      /a stage has no key 'wiht' \(did you mean with\?\)/,
    );
    expect(
      await err(['vars.epochs=5', 'stages.scaled.with.factor=3', 'stages.extra={uses: source, with: {n: 1}}']),
    ).toBeNull();
  });

  test('a param typo names the closest param, once per matrix stage; its dependents are not reported as missing', async () => {
    const ws = workspace(yaml);
    const e = await loadPlan({
      pipelineFile: ws.file,
      registry: REGISTRY,
      sets: ['stages.source-a.with.strat=1'],
    }).catch((x: unknown) => x as PipelineFileError);
    expect(e).toBeInstanceOf(PipelineFileError);
    expect((e as PipelineFileError).issues.map((i) => i.message)).toEqual([
      "unknown param strat (did you mean start?) for stage 'source' (instance source-a.1) (value given by --set stages.source-a.with.strat)",
    ]);
    const uses = await loadPlan({
      pipelineFile: ws.file,
      registry: REGISTRY,
      sets: ['stages.scaled.uses=scael'],
    }).catch((x: unknown) => x as PipelineFileError);
    expect((uses as PipelineFileError).issues[0]!.message).toMatch(/unknown stage 'scael' \(did you mean scale\?\)/);
  });

  test('--only, --until, --downstream and --force suggest stage names and instance ids', async () => {
    const ws = workspace(yaml);
    const plan = await loadPlan({ pipelineFile: ws.file, registry: REGISTRY });
    expect(() => selectStages(plan, ['scaeld'])).toThrow(
      /--only scaeld: no such stage in .* \(did you mean scaled\?\)/,
    );
    expect(() => selectStages(plan, [], { until: ['source-a.3'] })).toThrow(
      /--until source-a\.3: .*\(did you mean source-a\.1, source-a\.2 or source-a\?\)/,
    );
    expect(() => selectStages(plan, [], { downstream: ['sorce-a'] })).toThrow(/\(did you mean source-a\?\)/);
  });
});
