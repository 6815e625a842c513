import type { Provenance } from './schema.js';

type Dag = NonNullable<Provenance['dag']>;

const esc = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Each node's column: the length of the longest path that reaches it (stages that need nothing: 0). */
export function dagLayers(dag: Dag): Map<string, number> {
  const layer = new Map<string, number>(dag.nodes.map((n) => [n.id, 0]));
  // Longest path by relaxation; a graph of n nodes settles within n rounds (the engine's plans have no cycles).
  for (let round = 0; round < dag.nodes.length; round++) {
    let changed = false;
    for (const e of dag.edges) {
      const next = layer.get(e.from)! + 1;
      if (next > layer.get(e.to)!) {
        layer.set(e.to, next);
        changed = true;
      }
    }
    if (!changed) break;
  }
  return layer;
}

/**
 * The pipeline graph as a standalone SVG: stages in columns by depth (left to right, as the Mermaid `flowchart LR`),
 * edges as curves. No layout engine: a plan's graph is shallow and wide, and columns read well enough.
 */
export function dagSvg(dag: Dag): string {
  const layers = dagLayers(dag);
  const columns: string[][] = [];
  for (const n of dag.nodes) {
    const layer = layers.get(n.id)!;
    columns[layer] = [...(columns[layer] ?? []), n.id];
  }
  const label = new Map(dag.nodes.map((n) => [n.id, n.label]));
  const boxW = Math.max(90, ...dag.nodes.map((n) => Math.min(260, 6.2 * n.label.length + 16)));
  const boxH = 24;
  const gapX = 60;
  const gapY = 10;
  const rows = Math.max(...columns.map((c) => c?.length ?? 0));
  const width = columns.length * (boxW + gapX) - gapX + 20;
  const height = rows * (boxH + gapY) - gapY + 20;
  const pos = new Map<string, { x: number; y: number }>();
  columns.forEach((col, ci) => {
    const offset = ((rows - col.length) * (boxH + gapY)) / 2;
    col.forEach((id, ri) => pos.set(id, { x: 10 + ci * (boxW + gapX), y: 10 + offset + ri * (boxH + gapY) }));
  });
  const edges = dag.edges.map((e) => {
    const a = pos.get(e.from)!;
    const b = pos.get(e.to)!;
    const x1 = a.x + boxW;
    const y1 = a.y + boxH / 2;
    const x2 = b.x;
    const y2 = b.y + boxH / 2;
    const mid = (x1 + x2) / 2;
    return `<path d="M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2 - 4},${y2}" fill="none" stroke="#8a94a6" stroke-width="1" marker-end="url(#arrow)"/>`;
  });
  const boxes = [...pos].map(([id, p]) => {
    const text = label.get(id)!;
    const shown = text.length * 6.2 + 16 > boxW ? `${text.slice(0, Math.floor((boxW - 16) / 6.2) - 1)}…` : text;
    return `<g><title>${esc(text)}</title><rect x="${p.x}" y="${p.y}" width="${boxW}" height="${boxH}" rx="4" fill="#f4f6fa" stroke="#4a5568"/><text x="${p.x + boxW / 2}" y="${p.y + boxH / 2 + 4}" text-anchor="middle" font-family="system-ui, sans-serif" font-size="11">${esc(shown)}</text></g>`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="pipeline graph">
<defs><marker id="arrow" viewBox="0 0 8 8" refX="8" refY="4" markerWidth="6" markerHeight="6" orient="auto"><path d="M0,0 L8,4 L0,8 z" fill="#8a94a6"/></marker></defs>
${edges.join('\n')}
${boxes.join('\n')}
</svg>`;
}

/** The provenance section's graph figure for the HTML report: the SVG, and the Mermaid text under a fold. */
export function dagHtml(dag: Dag | undefined): string {
  if (!dag) return '';
  return `<h3>Pipeline graph</h3><figure class="dag" style="overflow-x:auto;margin:0">${dagSvg(dag)}<figcaption>The pipeline's stages (matrix instances folded, ×N) and what feeds what, left to right.</figcaption></figure>
<details><summary>Mermaid source</summary><pre>${esc(dag.mermaid)}</pre></details>`;
}

/** The same for Markdown: a Mermaid block (rendered by GitHub, GitLab and most Markdown viewers). */
export function dagMarkdown(dag: Dag | undefined): string[] {
  if (!dag) return [];
  return ['### Pipeline graph', '', '```mermaid', dag.mermaid, '```', ''];
}
