import { describe, expect, test } from 'vitest';
import { dagMermaid, dagTree, loadPlan, pipelineDag, selectStages } from '@transfusion/pipeline';
import { emit, REGISTRY, workspace } from './helpers.js';

const yaml = `stages:
${emit('data', { value: 1 })}
  train:
    uses: exec
    matrix: { seed: [0, 1] }
    with: { command: [node, emit.mjs], deps: [emit.mjs], params: { name: train } }
    needs: { table: data.out }
    outputs: { out: table }
${emit('other', { value: 2 })}
  report:
    uses: exec
    with: { command: [node, emit.mjs], deps: [emit.mjs], params: { name: report } }
    needs: { runs: train.out, extra: other.out, table: data.out }
    outputs: { out: table }
`;

describe('dag', () => {
  test('folds matrix instances into their stage; edges carry the inputs they feed', async () => {
    const ws = workspace(yaml);
    const plan = await loadPlan({ pipelineFile: ws.file, registry: REGISTRY });
    const dag = pipelineDag(plan);
    expect(dag.nodes.map((n) => [n.id, n.instances.length])).toEqual([
      ['data', 1],
      ['train', 2],
      ['other', 1],
      ['report', 1],
    ]);
    expect(dag.edges).toEqual([
      { from: 'data', to: 'train', inputs: ['table'] },
      { from: 'train', to: 'report', inputs: ['runs'] },
      { from: 'other', to: 'report', inputs: ['extra'] },
      { from: 'data', to: 'report', inputs: ['table'] },
    ]);
    const byInstance = pipelineDag(plan, { instances: true });
    expect(byInstance.nodes.map((n) => n.id)).toEqual(['data', 'train.0', 'train.1', 'other', 'report']);
    expect(byInstance.edges.filter((e) => e.to === 'report').map((e) => e.from)).toEqual([
      'train.0',
      'train.1',
      'other',
      'data',
    ]);
  });

  test('tree: every stage once in full, later parents say "(see above)"', async () => {
    const ws = workspace(yaml);
    const plan = await loadPlan({ pipelineFile: ws.file, registry: REGISTRY });
    expect(dagTree(pipelineDag(plan))).toBe(
      [
        'data (exec)',
        '├─ train (exec ×2)',
        '│  └─ report (exec)  ← also needs other, data',
        '└─ report (see above)',
        'other (exec)',
        '└─ report (see above)',
      ].join('\n'),
    );
    // a selection draws only what it needs
    expect(dagTree(pipelineDag(plan, { stages: selectStages(plan, ['train']) }))).toBe(
      'data (exec)\n└─ train (exec ×2)',
    );
  });

  test('mermaid: a flowchart with one node per stage and labelled edges', async () => {
    const ws = workspace(yaml);
    const text = dagMermaid(pipelineDag(await loadPlan({ pipelineFile: ws.file, registry: REGISTRY })));
    expect(text.split('\n')).toEqual([
      'flowchart LR',
      '  n0["data<br/><small>exec</small>"]',
      '  n1["train<br/><small>exec ×2</small>"]',
      '  n2["other<br/><small>exec</small>"]',
      '  n3["report<br/><small>exec</small>"]',
      '  n0 -->|table| n1',
      '  n1 -->|runs| n3',
      '  n2 -->|extra| n3',
      '  n0 -->|table| n3',
    ]);
  });
});
