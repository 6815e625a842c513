import { loadPipelineFile } from './pipeline-file.js';
import { planPipeline, type Plan, type PlannedStage } from './plan.js';
import { loadRegistry } from './registry.js';

/** One node of a pipeline's graph: a stage of the file (its matrix instances folded in) or one instance. */
export interface DagNode {
  id: string;
  uses: string;
  /** The instance ids this node stands for (one, unless matrix instances are folded into their stage). */
  instances: string[];
}

/** `from` produces something `to` needs, through the inputs named in `inputs`. */
export interface DagEdge {
  from: string;
  to: string;
  inputs: string[];
}

export interface PipelineDag {
  pipeline: string;
  /** In dependency order: a node comes after every node it needs. */
  nodes: DagNode[];
  edges: DagEdge[];
}

/**
 * The graph of a plan. By default each stage of the file is one node (a matrix stage's instances folded into it:
 * the graph as the file reads); `instances: true` gives one node per runnable instance.
 */
export function pipelineDag(
  plan: Plan,
  opts: { instances?: boolean; stages?: readonly PlannedStage[] } = {},
): PipelineDag {
  const stages = opts.stages ?? plan.stages;
  const nodeOf = (s: PlannedStage): string => (opts.instances ? s.id : s.group);
  const nodes = new Map<string, DagNode>();
  for (const s of stages) {
    const id = nodeOf(s);
    const node = nodes.get(id) ?? { id, uses: s.uses, instances: [] };
    node.instances.push(s.id);
    nodes.set(id, node);
  }
  const edges = new Map<string, DagEdge>();
  for (const s of stages) {
    for (const input of s.inputs) {
      for (const ref of input.refs) {
        const producer = plan.byId.get(ref.instance);
        if (!producer || !nodes.has(nodeOf(producer))) continue;
        const from = nodeOf(producer);
        const to = nodeOf(s);
        const k = `${from}\u0000${to}`;
        const edge = edges.get(k) ?? { from, to, inputs: [] };
        if (!edge.inputs.includes(input.name)) edge.inputs.push(input.name);
        edges.set(k, edge);
      }
    }
  }
  return { pipeline: plan.file.name, nodes: [...nodes.values()], edges: [...edges.values()] };
}

/** Reads, validates and plans a pipeline file without hashing code or data: enough to draw its graph. */
export async function loadPlan(opts: {
  pipelineFile: string;
  registry: string;
  sets?: readonly string[];
}): Promise<Plan> {
  const file = await loadPipelineFile(opts.pipelineFile, opts.sets ?? []);
  return planPipeline(file, await loadRegistry(opts.registry));
}

function nodeLabel(n: DagNode): string {
  return `${n.id} (${n.uses}${n.instances.length > 1 ? ` ×${n.instances.length}` : ''})`;
}

/**
 * The graph as an indented tree, from the stages that need nothing down to what depends on them. A node with
 * several upstreams is drawn in full under the first and marked `(see above)` under the others, so every edge
 * shows once and the tree stays as long as the graph.
 */
export function dagTree(dag: PipelineDag): string {
  const children = new Map<string, string[]>(dag.nodes.map((n) => [n.id, []]));
  const parents = new Map<string, string[]>(dag.nodes.map((n) => [n.id, []]));
  for (const e of dag.edges) {
    children.get(e.from)!.push(e.to);
    parents.get(e.to)!.push(e.from);
  }
  const byId = new Map(dag.nodes.map((n) => [n.id, n]));
  const lines: string[] = [];
  const shown = new Set<string>();
  const draw = (id: string, prefix: string, branch: string, parent: string | null): void => {
    const n = byId.get(id)!;
    const ups = parents.get(id)!;
    const others = ups.filter((p) => p !== parent);
    const also =
      parent && others.length
        ? `  ← also needs ${others.length > 4 ? `${others.slice(0, 3).join(', ')} and ${others.length - 3} more` : others.join(', ')}`
        : '';
    if (shown.has(id)) {
      lines.push(`${prefix}${branch}${n.id} (see above)`);
      return;
    }
    shown.add(id);
    lines.push(`${prefix}${branch}${nodeLabel(n)}${also}`);
    const kids = children.get(id)!;
    const childPrefix = prefix + (branch === '' ? '' : branch === '└─ ' ? '   ' : '│  ');
    kids.forEach((k, i) => draw(k, childPrefix, i === kids.length - 1 ? '└─ ' : '├─ ', id));
  };
  for (const n of dag.nodes) if (parents.get(n.id)!.length === 0) draw(n.id, '', '', null);
  return lines.join('\n');
}

/** A Mermaid label: quotes and angle brackets as entities, so any id is safe inside `["..."]`. */
function mermaidText(s: string): string {
  return s.replace(/"/g, '#quot;').replace(/</g, '#lt;').replace(/>/g, '#gt;');
}

/** The graph as a Mermaid flowchart (`flowchart LR`), each edge labelled with the inputs it feeds. */
export function dagMermaid(dag: PipelineDag): string {
  const ids = new Map(dag.nodes.map((n, i) => [n.id, `n${i}`]));
  const lines = ['flowchart LR'];
  for (const n of dag.nodes)
    lines.push(
      `  ${ids.get(n.id)}["${mermaidText(n.id)}<br/><small>${mermaidText(n.uses)}${n.instances.length > 1 ? ` ×${n.instances.length}` : ''}</small>"]`,
    );
  for (const e of dag.edges) lines.push(`  ${ids.get(e.from)} -->|${e.inputs.join(', ')}| ${ids.get(e.to)}`);
  return lines.join('\n');
}
