import { existsSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { PipelineFileError, UsageError, type FileIssue } from '@transfusion/pipeline';
import { emit, run, workspace } from './helpers.js';

async function issuesOf(yaml: string, sets: string[] = []): Promise<FileIssue[]> {
  const ws = workspace(yaml);
  try {
    await run(ws, { sets });
  } catch (e) {
    expect(e).toBeInstanceOf(PipelineFileError);
    expect((e as PipelineFileError).exitCode).toBe(2);
    expect(existsSync(ws.store)).toBe(false); // nothing written
    expect(ws.calls()).toEqual([]); // nothing ran
    return (e as PipelineFileError).issues;
  }
  throw new Error('expected the pipeline to be rejected');
}

describe('a pipeline file that cannot run is rejected before anything runs, naming file, path and line', () => {
  test('YAML syntax error', async () => {
    const [issue] = await issuesOf('stages:\n  a: [unclosed\n');
    expect(issue!.message).toMatch(/YAML syntax/);
    expect(issue!.line).toBeGreaterThanOrEqual(2);
    expect(issue!.file).toMatch(/pipeline\.yaml$/);
  });

  test('duplicate keys', async () => {
    const [issue] = await issuesOf(`stages:\n${emit('a')}\n${emit('a')}\n`);
    expect(issue!.message).toMatch(/YAML syntax.*[Uu]nique|duplicate/i);
  });

  test('unknown top-level key and unknown stage key', async () => {
    const issues = await issuesOf(`stagez: {}\nstages:\n${emit('a')}\n    retries: 3\n`);
    expect(issues.map((i) => i.path)).toEqual(expect.arrayContaining(['stagez', 'stages.a.retries']));
    const retries = issues.find((i) => i.path === 'stages.a.retries')!;
    expect(retries.line).toBe(10);
    expect(retries.message).toMatch(/unknown key retries/);
  });

  test('a param of the wrong type names the param path and the expectation', async () => {
    const issues = await issuesOf(
      `stages:\n  a:\n    uses: exec\n    with:\n      command: node\n    outputs: { out: table }\n`,
    );
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ path: 'stages.a.with.command', line: 5 });
    expect(issues[0]!.message).toMatch(/expected array/);
  });

  test('unknown param of a typed stage', async () => {
    const [issue] = await issuesOf(`stages:\n  s:\n    uses: source\n    with: { n: 3, m: 4 }\n`);
    expect(issue).toMatchObject({ path: 'stages.s.with.m' });
    expect(issue!.message).toMatch(/unknown param m for stage 'source'/);
  });

  test('unknown stage id lists the registered ones', async () => {
    const [issue] = await issuesOf(`stages:\n  a:\n    uses: trian\n`);
    expect(issue).toMatchObject({ path: 'stages.a.uses', line: 3 });
    expect(issue!.message).toMatch(/unknown stage 'trian'; registered: exec, source, total, scale/);
  });

  test('missing upstream', async () => {
    const [issue] = await issuesOf(`stages:\n${emit('b', {}, { x: 'nothere.out' })}\n`);
    expect(issue).toMatchObject({ path: 'stages.b.needs.x' });
    expect(issue!.message).toMatch(/missing upstream 'nothere'/);
  });

  test('unknown output of an upstream', async () => {
    const [issue] = await issuesOf(`stages:\n${emit('a')}\n${emit('b', {}, { x: 'a.nope' })}\n`);
    expect(issue!.message).toMatch(/stage a has no output 'nope'; its outputs: out/);
  });

  test('cycle', async () => {
    const [issue] = await issuesOf(`stages:\n${emit('a', {}, { x: 'b.out' })}\n${emit('b', {}, { x: 'a.out' })}\n`);
    expect(issue!.message).toMatch(/cycle: (a → b → a|b → a → b)/);
  });

  test('a self-cycle', async () => {
    const [issue] = await issuesOf(`stages:\n${emit('a', {}, { x: 'a.out' })}\n`);
    expect(issue!.message).toMatch(/cycle: a → a/);
  });

  test('kind mismatch between an output and the input that takes it', async () => {
    const [issue] = await issuesOf(
      `stages:\n  s:\n    uses: source\n    with: { n: 3 }\n  t:\n    uses: total\n    needs: { parts: s.values }\n  u:\n    uses: total\n    needs: { parts: t.sum }\n`,
    );
    expect(issue).toMatchObject({ path: 'stages.u.needs.parts' });
    expect(issue!.message).toMatch(/stage u: input 'parts' expects tensor, but t.sum is table/);
  });

  test('weights wired into a dataset port fail at plan time, naming the stage instance, the port and both kinds', async () => {
    const [issue, ...rest] = await issuesOf(
      `stages:\n  data:\n    uses: examples\n    with: { n: 4 }\n  first:\n    uses: fit\n    with: { seed: 1 }\n    needs: { dataset: data.dataset }\n  second:\n    uses: fit\n    matrix: { seed: [1, 2] }\n    with: { seed: "\${matrix.seed}" }\n    needs: { dataset: first.weights }\n`,
    );
    expect(issue).toMatchObject({ path: 'stages.second.needs.dataset', line: 13 });
    expect(issue!.message).toBe("stage second.1: input 'dataset' expects dataset, but first.weights is weights");
    expect(issue!.mismatch).toEqual({
      instance: 'second.1',
      input: 'dataset',
      expected: 'dataset',
      got: 'weights',
      from: 'first.weights',
    });
    expect(rest.map((i) => i.mismatch?.instance)).toEqual(['second.2']);
  });

  test("an exec stage's outputs need their kinds, from the kinds the registry knows", async () => {
    const [bare] = await issuesOf(
      `stages:\n  a:\n    uses: exec\n    with: { command: [node, emit.mjs] }\n    outputs: [out, log]\n`,
    );
    expect(bare).toMatchObject({ path: 'stages.a.outputs', line: 5 });
    expect(bare!.message).toMatch(
      /^say the kind of each output: `outputs: \{ out: table, log: table \}`, each kind one of table, tensor, tensors, files, dataset, weights$/,
    );
    const [typo] = await issuesOf(
      `stages:\n  a:\n    uses: exec\n    with: { command: [node, emit.mjs] }\n    outputs: { out: weight }\n`,
    );
    expect(typo).toMatchObject({ path: 'stages.a.outputs.out' });
    expect(typo!.message).toMatch(/unknown artifact kind 'weight' \(did you mean weights\?\)/);
  });

  test("an exec stage's open input takes its producer's kind, and one kind for a list", async () => {
    const [issue] = await issuesOf(
      `stages:\n  data:\n    uses: examples\n    with: { n: 4 }\n  s:\n    uses: source\n    with: { n: 3 }\n  a:\n    uses: exec\n    with: { command: [node, emit.mjs] }\n    needs: { both: [data.dataset, s.values] }\n    outputs: { out: table }\n`,
    );
    expect(issue).toMatchObject({
      path: 'stages.a.needs.both.1',
      mismatch: { instance: 'a', input: 'both', expected: 'dataset', got: 'tensor', from: 's.values' },
    });
    expect(issue!.message).toMatch(/takes one kind \(dataset, from the first reference\)/);
  });

  test('a missing required input', async () => {
    const [issue] = await issuesOf(`stages:\n  t:\n    uses: total\n`);
    expect(issue!.message).toMatch(/missing input 'parts' \(tensor\)/);
  });

  test('many instances into an input that takes one', async () => {
    const [issue] = await issuesOf(
      `stages:\n  s:\n    uses: source\n    matrix: { n: [1, 2] }\n    with: { n: "\${matrix.n}" }\n  one:\n    uses: scale\n    with: { factor: 2 }\n    needs: { values: s.values }\n`,
    );
    expect(issue).toMatchObject({ path: 'stages.one.needs.values' });
    expect(issue!.message).toMatch(
      /names 2 instances but input 'values' of 'scale' takes one; name one instance, e.g. s.1.values/,
    );
  });

  test('unknown interpolation reference', async () => {
    const [issue] = await issuesOf(`stages:\n  s:\n    uses: source\n    with: { n: "\${vars.size}" }\n`);
    expect(issue).toMatchObject({ path: 'stages.s.with.n' });
    expect(issue!.message).toMatch(/unknown reference \$\{vars.size\}/);
  });

  test('exec without outputs, and a typed stage with outputs', async () => {
    const issues = await issuesOf(
      `stages:\n  a:\n    uses: exec\n    with: { command: [node, emit.mjs] }\n  s:\n    uses: source\n    with: { n: 1 }\n    outputs: { x: table }\n`,
    );
    expect(issues.map((i) => i.message).join('\n')).toMatch(/needs `outputs: \{ NAME: KIND \}`/);
    expect(issues.map((i) => i.message).join('\n')).toMatch(/has fixed outputs \(values\)/);
  });

  test('a deps file that does not exist, or leaves the folder', async () => {
    const [issue] = await issuesOf(
      `stages:\n  a:\n    uses: exec\n    with: { command: [node, emit.mjs], deps: [nope.py] }\n    outputs: { out: table }\n`,
    );
    expect(issue!.message).toMatch(/nope.py: no such file/);
    const [outside] = await issuesOf(
      `stages:\n  a:\n    uses: exec\n    with: { command: [node, emit.mjs], deps: [../x.py] }\n    outputs: { out: table }\n`,
    );
    expect(outside!.message).toMatch(/inside the pipeline's folder/);
  });

  test('all problems are reported at once', async () => {
    const issues = await issuesOf(
      `stages:\n  a:\n    uses: nope\n  b:\n    uses: exec\n    with: { command: 3 }\n    outputs: { out: table }\n`,
    );
    expect(issues.length).toBe(2);
  });

  test('--set: values are typed, wrong types are reported as coming from --set, malformed flags are usage errors', async () => {
    const issues = await issuesOf(`stages:\n  s:\n    uses: source\n    with: { n: 3 }\n`, ['stages.s.with.n=abc']);
    expect(issues[0]!.message).toMatch(/expected number.*\(value given by --set stages.s.with.n\)/);
    const ws = workspace(`stages:\n  s:\n    uses: source\n    with: { n: 3 }\n`);
    await expect(run(ws, { sets: ['novalue'] })).rejects.toBeInstanceOf(UsageError);
    await expect(run(ws, { sets: ['stages.s.uses.x=1'] })).rejects.toThrow(/stages.s.uses is a string, not a mapping/);
    await expect(run(ws, { only: ['nosuch'] })).rejects.toThrow(/--only nosuch: no such stage/);
  });

  test('a missing pipeline file', async () => {
    const ws = workspace('stages: {}');
    await expect(run({ file: `${ws.file}.missing`, store: ws.store })).rejects.toThrow(/no such file/);
  });
});
