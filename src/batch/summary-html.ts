/**
 * The class summary as one self-contained HTML page (inline CSS and SVG, no scripts, no network):
 * totals, a score histogram, pass rate per test, the slowest tests, flaky tests, grading errors and
 * a row per submission linking to its results.
 */
import { formatDuration, formatPoints } from '../report/format.js';
import { BASE_CSS, esc, page } from '../report/html.js';
import type { ClassSummary, SummaryRow } from './summary.js';

export interface SummaryHtmlOptions {
  /** Link to a submission's folder, relative to the page (default `submissions/<id>/`). */
  link?: (id: string) => string;
  generatedAt?: string;
  title?: string;
}

export function renderSummaryHtml(s: ClassSummary, opts: SummaryHtmlOptions = {}): string {
  const link = opts.link ?? ((id: string) => `submissions/${encodeURIComponent(id)}/`);
  const n = s.rows.length;
  const mean = n === 0 ? 0 : s.rows.reduce((a, r) => a + r.score, 0) / n;
  const sortedScores = s.rows.map((r) => r.score).sort((a, b) => a - b);
  const median = n === 0 ? 0 : n % 2 ? sortedScores[(n - 1) / 2]! : (sortedScores[n / 2 - 1]! + sortedScores[n / 2]!) / 2;
  const full = s.rows.filter((r) => r.maxScore > 0 && r.score >= r.maxScore - 1e-9).length;
  const flakyTests = s.tests.filter((t) => t.flakyIn.length > 0).sort((a, b) => b.flakyIn.length - a.flakyIn.length);
  const slowest = [...s.tests].sort((a, b) => b.meanMs - a.meanMs).slice(0, 10);
  const title = opts.title ?? `Class summary — ${s.projectTitle || s.project}`;

  const body = `
<h1>${esc(title)}</h1>
<div class="muted">${esc(s.project)} · ${n} submission(s) graded${s.gradingErrors.length ? ` · ${s.gradingErrors.length} could not be graded` : ''}${opts.generatedAt ? ` · generated ${esc(opts.generatedAt)}` : ''}</div>
<div class="cards">
  <div class="card"><b>${n}</b>graded</div>
  <div class="card"><b>${formatPoints(mean)}</b>mean of ${formatPoints(s.maxScore)}</div>
  <div class="card"><b>${formatPoints(median)}</b>median</div>
  <div class="card"><b>${full}</b>full marks</div>
  <div class="card"><b>${flakyTests.length}</b>flaky test(s)</div>
</div>
<h2>Score histogram</h2>
${histogram(s.rows, s.maxScore)}
<h2>Pass rate per test</h2>
${passRateTable(s)}
<h2>Slowest tests</h2>
<table><tr><th>test</th><th class="num">mean</th><th class="num">max</th><th>slowest submission</th></tr>
${slowest.map((t) => `<tr><td class="mono">${esc(t.id)}</td><td class="num">${formatDuration(t.meanMs)}</td><td class="num">${formatDuration(t.maxMs)}</td><td><a href="${esc(link(t.slowestSubmission))}">${esc(t.slowestSubmission)}</a></td></tr>`).join('\n')}
</table>
<h2>Flaky tests</h2>
${
  flakyTests.length === 0
    ? '<p class="muted">No test had mixed outcomes or passed only after a retry. Run <code>dsgrade flaky &lt;submission&gt; --runs N</code> to look harder.</p>'
    : `<table><tr><th>test</th><th class="num">submissions</th><th>where</th></tr>
${flakyTests.map((t) => `<tr><td class="mono">${esc(t.id)}</td><td class="num">${t.flakyIn.length}</td><td>${t.flakyIn.slice(0, 12).map((id) => `<a href="${esc(link(id))}">${esc(id)}</a>${t.runsIn?.[id] ? ` <span class="muted">(${esc(t.runsIn[id])})</span>` : ''}`).join(', ')}${t.flakyIn.length > 12 ? ', …' : ''}</td></tr>`).join('\n')}
</table>`
}
${
  s.gradingErrors.length === 0
    ? ''
    : `<h2>Not graded</h2><table><tr><th>submission</th><th>why</th></tr>
${s.gradingErrors.map((e) => `<tr><td><a href="${esc(link(e.id))}">${esc(e.id)}</a></td><td><pre>${esc(e.message)}</pre></td></tr>`).join('\n')}</table>`
}
<h2>Submissions</h2>
<table><tr><th>submission</th><th>student(s)</th><th class="num">score</th><th class="num">passed</th><th class="num">failed</th><th class="num">errors</th><th class="num">time</th><th>did not pass</th></tr>
${s.rows.map((r) => submissionRow(r, link)).join('\n')}
</table>
`;
  return page(title, `${BASE_CSS}\n.hist rect.b { fill: #0969da; } .hist text { font: 11px sans-serif; fill: #57606a; }`, body);
}

function histogram(rows: SummaryRow[], maxScore: number): string {
  const bins = 10;
  const counts = new Array<number>(bins).fill(0);
  for (const r of rows) {
    const frac = maxScore > 0 ? r.score / maxScore : 0;
    counts[Math.min(bins - 1, Math.max(0, Math.floor(frac * bins)))]! += 1;
  }
  const w = 560;
  const h = 180;
  const pad = 28;
  const bw = (w - pad * 2) / bins;
  const top = Math.max(1, ...counts);
  const bars = counts
    .map((c, i) => {
      const bh = ((h - pad * 2) * c) / top;
      const x = pad + i * bw;
      const lo = (maxScore * i) / bins;
      const hi = (maxScore * (i + 1)) / bins;
      return `<rect class="b" data-bin="${i}" data-count="${c}" x="${x + 2}" y="${h - pad - bh}" width="${bw - 4}" height="${bh}"><title>${formatPoints(lo)}–${formatPoints(hi)}${i === bins - 1 ? ' (incl. full marks)' : ''}: ${c} submission(s)</title></rect>` +
        (c > 0 ? `<text x="${x + bw / 2}" y="${h - pad - bh - 4}" text-anchor="middle">${c}</text>` : '') +
        `<text x="${x}" y="${h - pad + 14}" text-anchor="middle">${formatPoints(lo)}</text>`;
    })
    .join('');
  return `<svg class="hist" role="img" aria-label="score histogram" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" xmlns="http://www.w3.org/2000/svg">
<line x1="${pad}" y1="${h - pad}" x2="${w - pad}" y2="${h - pad}" stroke="#57606a"/>${bars}<text x="${w - pad}" y="${h - pad + 14}" text-anchor="middle">${formatPoints(maxScore)}</text></svg>`;
}

function passRateTable(s: ClassSummary): string {
  const rows = s.tests.map((t) => {
    const pct = Math.round(t.passRate * 100);
    const runs = t.runsPassed ? `${t.runsPassed.passed}/${t.runsPassed.decided}` : '';
    return `<tr><td class="mono">${esc(t.id)}</td><td>${esc(t.name)}</td><td class="num">${formatPoints(t.maxScore)}</td><td><span class="barbg"><span class="bar" style="width:${pct}%"></span></span>${pct}%</td><td class="num pass">${t.passed}</td><td class="num fail">${t.failed}</td><td class="num err">${t.errors}</td><td class="num">${runs}</td></tr>`;
  });
  return `<table><tr><th>test</th><th>name</th><th class="num">points</th><th>pass rate</th><th class="num">passed</th><th class="num">failed</th><th class="num">errors</th><th class="num" title="a test with several runs per grade: its runs over every submission, passed of decided">runs passed</th></tr>
${rows.join('\n')}</table>`;
}

function submissionRow(r: SummaryRow, link: (id: string) => string): string {
  const names = r.submitters.map((x) => x.name ?? x.email ?? x.sid ?? '').filter(Boolean).join(', ');
  const bad = Object.entries(r.verdicts)
    .filter(([, v]) => v !== 'passed')
    .map(([id, v]) => {
      const report = r.runReports[id];
      const label = report ? `<a href="${esc(link(r.id) + report)}" title="run report">${esc(id)}</a>` : esc(id);
      return `<span class="${v === 'failed' ? 'fail' : 'err'}">${label}</span>`;
    });
  return `<tr><td><a href="${esc(link(r.id))}">${esc(r.id)}</a></td><td>${esc(names)}</td><td class="num">${formatPoints(r.score)}/${formatPoints(r.maxScore)}</td><td class="num">${r.passed}</td><td class="num">${r.failed}</td><td class="num">${r.errors}</td><td class="num">${formatDuration(r.durationMs)}</td><td class="mono">${bad.join(' ')}</td></tr>`;
}
