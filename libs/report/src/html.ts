import type { BenchmarkSection } from './benchmark.js';
import type { ReportContent, RenderedFigure } from './content.js';
import { evaluationSectionTitle, missingScoresNote } from './evaluation/section.js';
import { FINDINGS_METHOD, type Finding } from './findings.js';
import { dagHtml } from './dag-figure.js';
import { provenanceTables } from './provenance-view.js';
import type { ReportTable } from './tables.js';

const esc = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function cellClass(c: ReportTable['columns'][number]): string {
  // Published numbers (the paper's, a benchmark's) are styled apart from ours.
  const cls = [...(c.numeric ? ['num'] : []), ...(/^(Paper|Published)/.test(c.label) ? ['paper'] : [])];
  return cls.length ? ` class="${cls.join(' ')}"` : '';
}

function tableHtml(t: ReportTable, withCaption = true, wrapClass = 'table-wrap'): string {
  const head = t.columns.map((c) => `<th${c.numeric ? ' class="num"' : ''}>${esc(c.label)}</th>`).join('');
  const body = t.rows
    .map((r) => `<tr>${r.map((cell, i) => `<td${cellClass(t.columns[i]!)}>${esc(cell)}</td>`).join('')}</tr>`)
    .join('\n');
  const caption = withCaption
    ? `<caption><b>${esc(t.title)}</b>${t.caption ? `<span class="cap">${esc(t.caption)}</span>` : ''}</caption>`
    : '';
  const notes = t.notes.map((n) => `<p class="table-note">${esc(n)}</p>`).join('');
  return `<div class="${wrapClass}"><table id="${esc(t.id)}">${caption}<thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>${notes}</div>`;
}

function benchmarkHtml(b: BenchmarkSection): string {
  const published = b.published
    ? tableHtml(b.published, true, 'table-wrap published')
    : `<p class="sub">${esc(b.note ?? '')}</p>`;
  return `<h3>Task ${esc(b.task)} — ${esc(b.suite)}, ${esc(b.dataset)}</h3>${tableHtml(b.ours)}\n${published}`;
}

function figureHtml(f: RenderedFigure, n: number): string {
  const src =
    f.svg !== undefined
      ? `data:image/svg+xml;base64,${Buffer.from(f.svg).toString('base64')}`
      : `data:image/png;base64,${f.png.toString('base64')}`;
  const links = [
    `<a href="figures/${f.id}.png">PNG</a>`,
    ...(f.svg !== undefined ? [`<a href="figures/${f.id}.svg">SVG</a>`] : []),
  ].join(' · ');
  // Raster-only figures are rendered at the PNG density: show them at their 1x size.
  const size = f.svg === undefined && f.displayWidth !== undefined ? ` style="width:${f.displayWidth}px"` : '';
  return `<figure id="${esc(f.id)}"><img src="${src}" alt="${esc(f.title)}"${size}><figcaption><b>Figure ${n}.</b> ${esc(f.title)}. ${esc(f.caption)} <span class="links">${links}</span></figcaption></figure>`;
}

const verdictClass = (v: Finding['verdict']) =>
  v === 'supported' ? 'ok' : v === 'contradicted' ? 'bad' : v === 'inconclusive' ? 'open' : 'na';

function findingsHtml(findings: Finding[]): string {
  const rows = findings
    .map(
      (f) =>
        `<tr><td class="num">${f.id}</td><td>${esc(f.statement)}</td><td><span class="verdict ${verdictClass(f.verdict)}">${esc(f.verdict)}</span></td>` +
        `<td><ul>${f.evidence.map((e) => `<li>${esc(e)}</li>`).join('')}</ul><div class="criterion">Rule: ${esc(f.criterion)}</div></td></tr>`,
    )
    .join('\n');
  return `<div class="table-wrap"><table id="findings"><thead><tr><th class="num">#</th><th>Statement (from the paper)</th><th>Verdict</th><th>This run's numbers</th></tr></thead><tbody>\n${rows}\n</tbody></table></div>`;
}

const css = `
:root{--fg:#1a1a1a;--muted:#555;--rule:#222;--light:#e3e3e3}
*{box-sizing:border-box}
body{font-family:"DejaVu Sans","Helvetica Neue",Arial,sans-serif;color:var(--fg);max-width:1180px;margin:0 auto;padding:24px 28px 60px;line-height:1.45;font-size:15px}
h1{font-size:26px;margin:0 0 4px}h2{font-size:20px;margin:36px 0 10px;border-bottom:1px solid var(--light);padding-bottom:4px}h3{font-size:16px;margin:22px 0 8px}
.sub{color:var(--muted);margin:0 0 16px}
nav{background:#f6f6f6;border:1px solid var(--light);padding:8px 14px;border-radius:4px;font-size:14px}nav a{margin-right:14px;color:#0b5394;text-decoration:none}
.table-wrap{overflow-x:auto;margin:12px 0 22px}
table{border-collapse:collapse;font-size:13px;border-top:2px solid var(--rule);border-bottom:2px solid var(--rule);min-width:50%}
caption{caption-side:top;text-align:left;padding:0 0 8px;font-size:14px;white-space:normal}caption .cap{display:block;color:var(--muted);font-size:12.5px;margin-top:3px}
th{font-weight:600;border-bottom:1px solid var(--rule);padding:5px 8px;text-align:left;vertical-align:bottom}
td{padding:4px 8px;border-bottom:1px solid var(--light);vertical-align:top;white-space:nowrap}
#findings td{white-space:normal}
.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.paper{color:#6b3e00;font-style:italic}
.table-note{color:var(--muted);font-size:12.5px;margin:4px 0 0}
.published table{border-top-style:dashed;border-bottom-style:dashed}.published caption b{color:#6b3e00}
#findings td ul{margin:0;padding-left:18px}#findings td{font-size:13px}.criterion{color:var(--muted);font-size:12px;margin-top:4px}
.verdict{display:inline-block;padding:2px 8px;border-radius:10px;font-weight:600;font-size:12px;white-space:nowrap}
.verdict.ok{background:#d9f2e3;color:#0b6b2f}.verdict.bad{background:#fbe0dc;color:#9b1c0c}.verdict.open{background:#fdf0cf;color:#7a5200}.verdict.na{background:#ececec;color:#555}
figure{margin:18px 0 30px;text-align:center}figure img{max-width:100%;height:auto;border:1px solid #f0f0f0}
figcaption{text-align:left;font-size:13px;color:#333;max-width:960px;margin:8px auto 0}.links a{color:#0b5394;font-size:12px}
pre{background:#f6f6f6;border:1px solid var(--light);padding:10px;font-size:12px;overflow-x:auto}
footer{margin-top:40px;color:var(--muted);font-size:12px}
@media print{body{max-width:none;padding:0;font-size:11pt}nav,.links{display:none}figure,table{break-inside:avoid}h2{break-after:avoid}figure img{border:none}}
`;

/** The self-contained page: every figure inline as a data URI, no scripts, no external requests. */
export function renderHtml(c: ReportContent): string {
  const r = c.results;
  let figNo = 0;
  const figs = (section: RenderedFigure['section']) =>
    c.figures
      .filter((f) => f.section === section)
      .map((f) => figureHtml(f, ++figNo))
      .join('\n');
  const tablesHtml = c.tables.map((t) => tableHtml(t)).join('\n');
  const counts: Record<string, number> = {};
  for (const f of c.findings) counts[f.verdict] = (counts[f.verdict] ?? 0) + 1;
  const section = (id: string, title: string, body: string, empty: string) =>
    `<section id="${id}"><h2>${esc(title)}</h2>${body.trim() ? body : `<p class="sub">${esc(empty)}</p>`}</section>`;
  const evaluationNote = missingScoresNote(r);
  const evaluation = `${evaluationNote ? `<p class="sub">${esc(evaluationNote)}</p>` : ''}${figs('evaluation')}`;
  const convergence = figs('convergence');
  const similarity = figs('similarity') + c.similarityTables.map((t) => tableHtml(t)).join('\n');
  const filters = figs('filters');
  const benchmarks = c.benchmarks.map(benchmarkHtml).join('\n');
  const prov = provenanceTables(r.provenance)
    .map((t) => `<h3>${esc(t.title)}</h3>${tableHtml(t, false)}`)
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(r.title)}</title><style>${css}</style></head>
<body>
<header><h1>${esc(r.title)}</h1>
<p class="sub">Pipeline <b>${esc(r.provenance.pipeline.name)}</b> · ${r.runs.filter((x) => x.derivedFrom === undefined).length} training runs · ${r.models.length} models · finished ${esc(r.provenance.finishedAt)} · backend ${esc(r.provenance.backend)}.
A reproduction of Raghu et al., “Transfusion: Understanding Transfer Learning for Medical Imaging” (NeurIPS 2019).</p>
<nav><a href="#findings-section">Findings</a><a href="#performance">Performance</a>${benchmarks ? '<a href="#published">Beside published results</a>' : ''}<a href="#evaluation">Test evaluation</a><a href="#convergence">Convergence</a><a href="#similarity">Representations</a><a href="#filters">Filters</a><a href="#provenance">Provenance</a></nav></header>
<section id="findings-section"><h2>Findings: the paper's testable statements on this run</h2>
<p class="sub">Computed from this run's numbers: ${Object.entries(counts)
    .map(([k, v]) => `${v} ${k}`)
    .join(', ')}. ${esc(FINDINGS_METHOD)}</p>
${findingsHtml(c.findings)}</section>
${section('performance', 'Performance (Tables 1–3)', tablesHtml, 'No training runs in these results.')}
${benchmarks ? `<section id="published"><h2>Beside published results</h2><p class="sub">Our models next to a published benchmark on the same test split. Published numbers are in italics and in their own table; they are not measured by this study.</p>${benchmarks}</section>` : ''}
${section('evaluation', evaluationSectionTitle, evaluation, 'No training runs in these results.')}
${section('convergence', 'Convergence (Figs 6–8)', convergence, 'No validation curves in these results.')}
${section('similarity', 'Representational similarity (Figs 2–4)', similarity, 'No CCA results in these results.')}
${section('filters', 'First-layer filters (Fig 5)', filters, 'No filter snapshots in these results.')}
<section id="provenance"><h2>Provenance</h2>${prov}${dagHtml(r.provenance.dag)}<h3>Resolved parameters</h3><pre>${esc(JSON.stringify(r.provenance.params, null, 2))}</pre></section>
<footer>Generated by @transfusion/report. Every number on this page is in results.json beside it; figures are in figures/ as PNG and SVG.</footer>
</body></html>
`;
}
