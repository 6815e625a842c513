import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableFromArrays } from 'apache-arrow';
import { writeTensors } from '@transfusion/arrow-io';
import { describe, expect, test } from 'vitest';
import {
  BUILTIN_KINDS,
  kindOf,
  loadPipelineFile,
  makeRegistry,
  PipelineFileError,
  planPipeline,
  type InputSpec,
  type KindRef,
} from '@transfusion/pipeline';
import { stages } from '../src/registry.js';
import { historyKind, metadataOfFile, metadataOfTable, weightsKind } from '../src/lib/artifact-kinds.js';
import { runMetadata, withRun } from '../src/lib/run-info.js';
import { sampleRun } from './sample-run.js';

const run = sampleRun;

describe("the study's ports are typed", () => {
  test('every port of every stage names one of the study kinds; only the report writes plain files', () => {
    const generic = new Set<string>(Object.keys(BUILTIN_KINDS));
    const plain: string[] = [];
    for (const s of stages) {
      const ports: [string, KindRef][] = [
        ...Object.entries(s.inputs as Record<string, InputSpec>).map(
          ([n, spec]) => [`${s.id}.in.${n}`, spec.kind] as [string, KindRef],
        ),
        ...(s.outputs === 'declared'
          ? []
          : Object.entries(s.outputs as Record<string, KindRef>).map(
              ([n, k]) => [`${s.id}.out.${n}`, k] as [string, KindRef],
            )),
      ];
      for (const [port, ref] of ports) if (generic.has(kindOf(ref).name)) plain.push(`${port}: ${kindOf(ref).name}`);
    }
    expect(plain).toEqual(['report.out.report: files']);
  });

  test('weights wired into a dataset port are refused at plan time, naming the instance, the port and both kinds', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tf-kinds-'));
    writeFileSync(
      join(dir, 'p.yaml'),
      `stages:
  fundus: { uses: synthetic-dataset, with: { kind: fundus, options: { count: 40, size: 32, seed: 1 } } }
  t:
    uses: train
    matrix: { seed: [1, 2] }
    needs: { dataset: fundus.dataset }
    with: { model: cbr-small, architecture: { name: cbr-small, width: 0.125 }, init: random, seed: "\${matrix.seed}", task: retina, training: { maxSteps: 1 } }
  e: { uses: evaluate, needs: { dataset: t.1.weights, weights: t.1.weights } }
`,
    );
    const file = await loadPipelineFile(join(dir, 'p.yaml'));
    let error: unknown;
    try {
      planPipeline(file, makeRegistry(stages));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PipelineFileError);
    const issues = (error as PipelineFileError).issues;
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({
      path: 'stages.e.needs.dataset',
      mismatch: { instance: 'e', input: 'dataset', expected: 'image-set', got: 'weights', from: 't.1.weights' },
    });
    expect(issues[0]!.message).toBe("stage e: input 'dataset' expects image-set, but t.1.weights is weights");
  });
});

describe("the kinds' metadata records", () => {
  test('a history carries its run record; one without it is not a history, and the error names the field', () => {
    const table = tableFromArrays({ step: Int32Array.of(1) });
    expect(metadataOfTable(historyKind, withRun(table, run), 'h')['transfusion.run']).toEqual(run);
    expect(() => metadataOfTable(historyKind, table, 'histories[0]')).toThrow(
      /histories\[0\]: not a valid history artifact \(transfusion\.run: Invalid input: expected string, received undefined\)/,
    );
  });

  test('weights whose run record has a string seed are refused, naming transfusion.run.seed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tf-kinds-'));
    const file = join(dir, 'weights.arrow');
    const tensors = { w: { dtype: 'float32' as const, shape: [1], data: Float32Array.of(1) } };
    const meta = { 'transfusion.model': '{"name":"cbr-small"}', 'transfusion.preprocessing': 'unit' };
    await writeTensors(file, tensors, { ...meta, ...runMetadata(run) });
    expect((await metadataOfFile(weightsKind, file))['transfusion.run'].seed).toBe(1);
    await writeTensors(file, tensors, { ...meta, 'transfusion.run': JSON.stringify({ ...run, seed: 'one' }) });
    await expect(metadataOfFile(weightsKind, file)).rejects.toThrow(
      /weights\.arrow: not a valid weights artifact \(transfusion\.run\.seed: Invalid input: expected number, received string\)/,
    );
  });
});
