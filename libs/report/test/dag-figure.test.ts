import { describe, expect, test } from 'vitest';
import { buildReportFiles, dagLayers, dagSvg, ReportError } from '../src/index.js';
import { makeStudyResults } from './fixtures/study-fixture.js';

const dag = {
  mermaid: 'flowchart LR\n  n0["data"]\n  n1["train ×2"]\n  n2["report"]\n  n0 --> n1\n  n1 --> n2\n  n0 --> n2',
  nodes: [
    { id: 'data', label: 'data' },
    { id: 'train', label: 'train ×2' },
    { id: 'report', label: 'report <final>' },
  ],
  edges: [
    { from: 'data', to: 'train' },
    { from: 'train', to: 'report' },
    { from: 'data', to: 'report' },
  ],
};

describe('pipeline graph in the provenance section', () => {
  test('columns by longest path; one box per node, one curve per edge', () => {
    expect([...dagLayers(dag)]).toEqual([
      ['data', 0],
      ['train', 1],
      ['report', 2],
    ]);
    const svg = dagSvg(dag);
    expect(svg.match(/<rect /g)).toHaveLength(3);
    expect(svg.match(/<path d="M[0-9.]+,[0-9.]+ C/g)).toHaveLength(3);
    expect(svg).toContain('report &lt;final&gt;');
  });

  test('HTML shows the SVG and the Mermaid text, Markdown a mermaid block, figures/ the SVG file', async () => {
    const results = makeStudyResults();
    results.provenance.dag = dag;
    const files = await buildReportFiles(results);
    const html = String(files.find((f) => f.path === 'index.html')!.content);
    const prov = html.slice(html.indexOf('<section id="provenance">'));
    expect(prov).toContain('<h3>Pipeline graph</h3>');
    expect(prov).toMatch(/<figure class="dag"[^>]*><svg /);
    expect(prov).toContain('flowchart LR');
    const md = String(files.find((f) => f.path === 'report.md')!.content);
    expect(md).toContain('### Pipeline graph\n\n```mermaid\nflowchart LR\n');
    expect(files.some((f) => f.path === 'figures/pipeline-graph.svg')).toBe(true);
  });

  test('without a graph the section is as before; an edge to no node is refused by name', async () => {
    const files = await buildReportFiles(makeStudyResults());
    expect(String(files.find((f) => f.path === 'index.html')!.content)).not.toContain('Pipeline graph');
    const bad = makeStudyResults();
    bad.provenance.dag = { ...dag, edges: [{ from: 'data', to: 'nowhere' }] };
    const err = await buildReportFiles(bad).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ReportError);
    expect((err as Error).message).toContain("provenance.dag.edges[0].to: names no node ('nowhere')");
  });
});
