import { describe, expect, test } from 'vitest';
import { z } from 'zod';
import {
  defineArtifactKind,
  defineStage,
  kindsOf,
  loadPipelineFile,
  loadRegistry,
  makeRegistry,
  planPipeline,
  selectStages,
} from '@transfusion/pipeline';
import { REGISTRY, workspace } from './helpers.js';

async function plan(yaml: string, sets: string[] = []) {
  const ws = workspace(yaml);
  return planPipeline(await loadPipelineFile(ws.file, sets), await loadRegistry(REGISTRY));
}

describe('matrix expansion', () => {
  const yaml = `
vars:
  base: 10
defaults:
  exec:
    params: { lr: 0.001 }
stages:
  train:
    uses: exec
    matrix:
      model: [cbr-small, resnet50]
      init: [random, transfer]
      seed: [0, 1]
      exclude:
        - { model: resnet50, seed: 1 }
      include:
        - { model: cbr-tiny, init: gabor, seed: 7 }
    with:
      command: [node, emit.mjs]
      params: { model: "\${matrix.model}", seed: "\${matrix.seed}", tag: "\${matrix.model}-s\${matrix.seed}", base: "\${vars.base}" }
    outputs: { metrics: table }
  table:
    uses: exec
    with: { command: [node, emit.mjs] }
    needs: { runs: train.metrics, random: "train.*.random.*.metrics" }
    outputs: { out: table }
`;

  test('one instance per combination, with readable ids in key order, exclude and include applied', async () => {
    const p = await plan(yaml);
    const ids = p.stages.filter((s) => s.group === 'train').map((s) => s.id);
    expect(ids).toEqual([
      'train.cbr-small.random.0',
      'train.cbr-small.random.1',
      'train.cbr-small.transfer.0',
      'train.cbr-small.transfer.1',
      'train.resnet50.random.0',
      'train.resnet50.transfer.0',
      'train.cbr-tiny.gabor.7',
    ]);
  });

  test('matrix and vars references keep their types; defaults merge under with', async () => {
    const p = await plan(yaml);
    const params = p.byId.get('train.resnet50.transfer.0')!.params as { params: Record<string, unknown> };
    expect(params.params).toEqual({ lr: 0.001, model: 'resnet50', seed: 0, tag: 'resnet50-s0', base: 10 });
  });

  test('a matrix axis may name a list in vars; --set changes it like any var', async () => {
    const src = `vars:\n  seeds: [1, 2, 3]\nstages:\n  t:\n    uses: exec\n    matrix: { init: [random], seed: "\${vars.seeds}" }\n    with: { command: [node, emit.mjs], params: { seed: "\${matrix.seed}" } }\n    outputs: { m: table }\n`;
    expect((await plan(src)).stages.map((s) => s.id)).toEqual(['t.random.1', 't.random.2', 't.random.3']);
    expect((await plan(src, ['vars.seeds=[7, 8]'])).stages.map((s) => s.id)).toEqual(['t.random.7', 't.random.8']);
    await expect(plan(src, ['vars.seeds=5'])).rejects.toThrow(
      /stages\.t\.matrix\.seed: \$\{vars\.seeds\} must name a non-empty list/,
    );
    await expect(plan(src.replace('vars.seeds}', 'vars.nope}'))).rejects.toThrow(/unknown reference \$\{vars\.nope\}/);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the pipeline file's own ${…} syntax
    await expect(plan(src.replace('"${vars.seeds}"', '"seeds"'))).rejects.toThrow(/naming a list in vars/);
  });

  test('a group name or a * pattern in needs fans in every matching instance, in plan order', async () => {
    const p = await plan(yaml);
    const table = p.byId.get('table')!;
    expect(table.inputs.find((i) => i.name === 'runs')!.refs.map((r) => r.instance)).toHaveLength(7);
    expect(table.inputs.find((i) => i.name === 'random')!.refs.map((r) => r.instance)).toEqual([
      'train.cbr-small.random.0',
      'train.cbr-small.random.1',
      'train.resnet50.random.0',
    ]);
    expect(p.stages.at(-1)!.id).toBe('table'); // after everything it needs
  });

  test('a list of references in needs takes them all, in order', async () => {
    const p = await plan(`stages:
  a: { uses: source, with: { n: 1 } }
  b: { uses: source, with: { n: 2 } }
  t: { uses: total, needs: { parts: [b.values, a.values] } }
`);
    expect(p.byId.get('t')!.inputs[0]!.refs.map((r) => r.instance)).toEqual(['b', 'a']);
    await expect(
      plan(
        `stages:\n  a: { uses: source, with: { n: 1 } }\n  t: { uses: total, needs: { parts: [a.values, nope.values] } }\n`,
      ),
    ).rejects.toThrow(/stages.t.needs.parts.1: 'nope.values' names no stage/);
  });

  test('--set overrides vars and params before validation', async () => {
    const p = await plan(yaml, ['vars.base=99', 'defaults.exec.params.lr=0.1']);
    expect((p.byId.get('train.cbr-tiny.gabor.7')!.params as { params: Record<string, unknown> }).params).toMatchObject({
      base: 99,
      lr: 0.1,
    });
  });

  test('--only selects a stage and everything upstream of it', async () => {
    const p = await plan(`stages:
  a: { uses: source, with: { n: 1 } }
  b: { uses: scale, with: { factor: 2 }, needs: { values: a.values } }
  c: { uses: source, with: { n: 2 } }
`);
    expect(selectStages(p, ['b']).map((s) => s.id)).toEqual(['a', 'b']);
    expect(selectStages(p, []).map((s) => s.id)).toEqual(['a', 'b', 'c']);
  });

  test('colliding instance ids are an error', async () => {
    await expect(
      plan(`stages:\n  a:\n    uses: source\n    matrix: { n: [1] }\n    with: { n: 1 }\n    matrix: { n: [1, 1] }\n`),
    ).rejects.toThrow();
    await expect(
      plan(`stages:\n  a:\n    uses: source\n    matrix: { v: ["x y", "x_y"] }\n    with: { n: 1 }\n`),
    ).rejects.toThrow(/two instances get the id a.x_y/);
  });
});

describe('artifact kinds', () => {
  const stage = (
    id: string,
    ports: {
      inputs?: Record<string, { kind: ReturnType<typeof defineArtifactKind> }>;
      outputs?: Record<string, ReturnType<typeof defineArtifactKind>>;
    },
  ) =>
    defineStage({
      id,
      source: import.meta.url,
      description: id,
      params: z.strictObject({}),
      inputs: ports.inputs ?? {},
      outputs: ports.outputs ?? {},
      async run() {},
    });

  test('a registry knows the built-ins and the kinds its ports name; two different kinds under one name are refused', () => {
    const weights = defineArtifactKind({ name: 'weights', description: 'w', storage: 'tensors', handedAs: 'path' });
    const other = defineArtifactKind({
      name: 'weights',
      description: 'a table that calls itself weights',
      storage: 'table',
      handedAs: 'value',
    });
    expect([...kindsOf(makeRegistry([stage('one', { outputs: { w: weights } })])).keys()]).toEqual([
      'table',
      'tensor',
      'tensors',
      'files',
      'weights',
    ]);
    expect(() =>
      makeRegistry([stage('one', { outputs: { w: weights } }), stage('two', { inputs: { w: { kind: other } } })]),
    ).toThrow(
      "stage two, port w: two different artifact kinds are named 'weights'; define each kind once and import it",
    );
  });

  test('a kind is checked where it is defined: a name of its own, and no metadata schema for a folder of files', () => {
    expect(() => defineArtifactKind({ name: 'table', description: 't', storage: 'table', handedAs: 'value' })).toThrow(
      /artifact kind table: .*the name of a built-in kind/s,
    );
    expect(() =>
      defineArtifactKind({
        name: 'report',
        description: 'r',
        storage: 'files',
        handedAs: 'value',
        metadata: z.object({}),
      }),
    ).toThrow(/a folder of files has no Arrow metadata to check/);
    expect(() =>
      defineArtifactKind({ name: 'Weights', description: 'w', storage: 'tensors', handedAs: 'path' }),
    ).toThrow(/a lower-case name/);
  });
});
