import { FINDINGS_METHOD } from './findings.js';
import type { ReportContent } from './content.js';
import { evaluationSectionTitle, missingScoresNote } from './evaluation/section.js';
import { dagMarkdown } from './dag-figure.js';
import { provenanceTables } from './provenance-view.js';
import type { ReportTable } from './tables.js';

const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function tableMarkdown(t: ReportTable): string {
  const head = `| ${t.columns.map((c) => cell(c.label)).join(' | ')} |`;
  const rule = `|${t.columns.map((c) => (c.numeric ? '---:' : ':---')).join('|')}|`;
  return [head, rule, ...t.rows.map((r) => `| ${r.map(cell).join(' | ')} |`)].join('\n');
}

/** Title, table, caption and the notes under it. */
function tableBlock(t: ReportTable): string[] {
  return [`**${t.title}**`, '', tableMarkdown(t), '', t.caption, '', ...t.notes.flatMap((n) => [n, ''])];
}

/** report.md: the same tables and findings as the page, figures linked from figures/. */
export function renderMarkdown(c: ReportContent): string {
  const r = c.results;
  const out: string[] = [
    `# ${r.title}`,
    '',
    `Pipeline **${r.provenance.pipeline.name}**, ${r.runs.filter((x) => x.derivedFrom === undefined).length} training runs, finished ${r.provenance.finishedAt}, backend ${r.provenance.backend}.`,
    '',
  ];
  out.push("## Findings: the paper's testable statements on this run", '', FINDINGS_METHOD, '');
  for (const f of c.findings) {
    out.push(
      `${f.id}. **${f.statement}** — *${f.verdict}*`,
      `   - Rule: ${f.criterion}`,
      ...f.evidence.map((e) => `   - ${e}`),
      '',
    );
  }
  out.push('## Performance (Tables 1–3)', '');
  for (const t of c.tables) out.push(...tableBlock(t));
  if (c.benchmarks.length > 0) {
    out.push(
      '## Beside published results',
      '',
      'Our models next to a published benchmark on the same test split. Published numbers are in columns and tables marked "Published"; they are not measured by this study.',
      '',
    );
    for (const b of c.benchmarks) {
      out.push(`### Task ${b.task} — ${b.suite}, ${b.dataset}`, '', ...tableBlock(b.ours));
      out.push(...(b.published ? tableBlock(b.published) : [b.note ?? '', '']));
    }
  }
  let n = 0;
  const notes: Partial<Record<string, string>> = { evaluation: missingScoresNote(r) };
  for (const [section, title] of [
    ['evaluation', evaluationSectionTitle],
    ['convergence', 'Convergence (Figs 6–8)'],
    ['similarity', 'Representational similarity (Figs 2–4)'],
    ['filters', 'First-layer filters (Fig 5)'],
  ] as const) {
    const figs = c.figures.filter((f) => f.section === section);
    if (figs.length === 0) continue;
    out.push(`## ${title}`, '');
    const note = notes[section];
    if (note) out.push(note, '');
    for (const f of figs)
      out.push(`![${f.title}](figures/${f.id}.png)`, '', `**Figure ${++n}.** ${f.title}. ${f.caption}`, '');
    if (section === 'similarity') for (const t of c.similarityTables) out.push(...tableBlock(t));
  }
  out.push('## Provenance', '');
  for (const t of provenanceTables(r.provenance)) out.push(`### ${t.title}`, '', tableMarkdown(t), '');
  out.push(...dagMarkdown(r.provenance.dag));
  out.push('### Resolved parameters', '', '```json', JSON.stringify(r.provenance.params, null, 2), '```', '');
  return out.join('\n');
}
