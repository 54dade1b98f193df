/**
 * The student-facing run report of one scenario: a single self-contained HTML page (inline CSS and
 * SVG, no scripts, no network) rendered from the run's record (src/scenario/run-record.ts), which
 * is handed in as plain data; the caller writes the page.
 *
 * - a space-time (Lamport) diagram (geometry: spacetime-layout.ts, drawing: spacetime-svg.ts): one
 *   vertical line per node, time flowing down, one arrow per message the proxy saw, drawn by what
 *   the network did to it — delivered, delayed, dropped, duplicated, held by a partition, stalled,
 *   reordered, corrupted; node starts, crashes and kills, and partitions marked;
 * - every node's log aligned on the same clock, beside dsgrade's own events;
 * - the fault schedule (links and their faults, the steps drawn from the seed), the seed, the
 *   failure and the command that reruns exactly this schedule.
 */
import type { PlannedAction } from '../scenario/plan.js';
import { MESSAGE_KINDS, type MessageKind, type RunRecord } from '../scenario/run-record.js';
import { formatDuration, formatSeconds } from './format.js';
import { BASE_CSS, esc, page } from './html.js';
import { layoutDiagram } from './spacetime-layout.js';
import { MESSAGE_KIND_TEXT, renderDiagram } from './spacetime-svg.js';

export interface RunReportOptions {
  /** At most this many message arrows are drawn (the counts always cover every message). */
  maxArrows?: number;
  /** At most this many log rows are shown. */
  maxLogRows?: number;
}

export interface RunReport {
  html: string;
  /** Messages drawn, and in the trace. */
  drawn: number;
  messages: number;
  counts: Record<MessageKind, number>;
}

export function renderRunReport(record: RunRecord, opts: RunReportOptions = {}): RunReport {
  const { trace } = record;
  const layout = layoutDiagram(record, opts.maxArrows ?? 4000);
  const diagram = renderDiagram(layout);
  const title = `Run report — ${record.testId}`;
  const verdictClass = record.verdict === 'passed' ? 'pass' : record.verdict === 'error' ? 'err' : 'fail';

  const body = `
<h1>${esc(title)}</h1>
<p class="${verdictClass}"><b>${esc(record.verdict.toUpperCase())}</b>${record.reason ? `: ${esc(record.reason)}` : ''}</p>
<div class="cards">
  <div class="card"><b>${esc(record.seed)}</b>scenario seed</div>
  <div class="card"><b>${formatDuration(record.durationMs)}</b>duration</div>
  <div class="card"><b>${record.nodes.length}</b>node(s)</div>
  <div class="card"><b id="message-total">${trace.messages.length}</b>message(s) through the proxy</div>
</div>
<h2>Rerun exactly this schedule</h2>
<pre id="rerun">${esc(record.rerun || '(no rerun command recorded)')}</pre>
<p class="muted">The same seed gives the same kills, sleeps, partitions and proxy decisions for the n-th message of each link; the operating system's scheduling still varies.</p>
${expectationsTable(record)}
<h2>Space-time diagram</h2>
<p class="muted">One vertical line per node, time flowing down (scenario clock). Each arrow is one message through dsgrade's proxy (a UDP datagram or a TCP chunk), from the time the proxy read it to the time it was delivered. Hover an arrow, a dot or a marker for details.</p>
${legend(record)}
${diagram.svg}
${diagram.note ? `<p class="muted" id="arrow-note">${esc(diagram.note)}</p>` : ''}
<h2>Fault schedule</h2>
${scheduleTables(record)}
<h2>Logs on the timeline</h2>
<p class="muted">Every line the nodes printed (stdout, and <span class="stderr">stderr</span>) beside dsgrade's events, on the diagram's clock.</p>
${logTable(record, opts.maxLogRows ?? 3000)}
`;
  return { html: page(title, CSS, body), drawn: layout.arrows.length, messages: trace.messages.length, counts: trace.counts };
}

const CSS = `${BASE_CSS}
.legend { display: flex; flex-wrap: wrap; gap: 6px 16px; margin: 8px 0; }
.legend span.k { display: inline-flex; align-items: center; gap: 6px; }
svg.st { border: 1px solid var(--line); background: #fff; }
svg.st text { font: 11px -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; fill: #1b1f24; }
svg.st .life { stroke: #57606a; stroke-width: 2; }
svg.st .down { stroke: #d0d7de; stroke-width: 2; stroke-dasharray: 3 4; }
svg.st .tick { stroke: #eaeef2; }
svg.st .steptext { fill: #0969da; }
svg.st .stepline { stroke: #0969da; stroke-dasharray: 2 4; opacity: .5; }
svg.st .partition { fill: #fff1c2; opacity: .7; }
svg.st .parttext { fill: #9a6700; font-weight: 600; }
svg.st .crash { stroke: #cf222e; stroke-width: 3; }
svg.st .start { fill: #1a7f37; }
svg.st .stop { fill: #8c959f; }
svg.st .logdot { fill: #8c959f; }
svg.st .logdot.stderr { fill: #cf222e; }
svg.st .conn { fill: #fff; stroke: #57606a; }
.k-delivered line, .k-delivered path { stroke: #1a7f37; }
.k-delayed line, .k-delayed path { stroke: #0969da; }
.k-dropped line, .k-dropped path { stroke: #cf222e; }
.k-duplicated line, .k-duplicated path { stroke: #8250df; }
.k-blocked line, .k-blocked path { stroke: #9a6700; }
.k-stalled line, .k-stalled path { stroke: #bc4c00; stroke-dasharray: 2 3; }
.k-reordered line, .k-reordered path { stroke: #bf3989; }
.k-corrupted line, .k-corrupted path { stroke: #6e7781; stroke-dasharray: 6 2; }
g.msg line { stroke-width: 1.3; }
g.msg.k-dropped line, g.msg.k-blocked line { stroke-dasharray: 4 3; }
g.msg path.x { stroke-width: 2; fill: none; }
.legend svg line { stroke-width: 2; }
td.t { white-space: nowrap; font-variant-numeric: tabular-nums; }
td.logcell { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; white-space: pre-wrap; word-break: break-all; max-width: 420px; }
.stderr { color: #cf222e; }
td.ev { color: #0969da; font-size: 12px; }
`;

function legend({ trace }: RunRecord): string {
  const items = MESSAGE_KINDS.map(
    (k) =>
      `<span class="k" data-kind="${k}"><svg width="34" height="12" class="k-${k}"><line x1="2" y1="6" x2="32" y2="6"${k === 'dropped' || k === 'blocked' ? ' stroke-dasharray="4 3"' : ''}/></svg>${esc(MESSAGE_KIND_TEXT[k])}: <b class="count" data-kind="${k}">${trace.counts[k]}</b></span>`,
  );
  const conns = trace.connections.length ? `<span class="k"><svg width="14" height="12"><circle cx="7" cy="6" r="4" fill="#fff" stroke="#57606a"/></svg>TCP connection events: ${trace.connections.length}</span>` : '';
  const marks =
    '<span class="k"><svg width="12" height="12"><circle cx="6" cy="6" r="4" fill="#1a7f37"/></svg>node started</span>' +
    '<span class="k"><svg width="14" height="14"><path d="M2,2 l10,10 m0,-10 l-10,10" stroke="#cf222e" stroke-width="3"/></svg>node killed by the scenario, or crashed</span>' +
    '<span class="k"><svg width="12" height="12"><rect x="2" y="2" width="8" height="8" fill="#8c959f"/></svg>stopped by dsgrade at the end</span>' +
    '<span class="k"><svg width="20" height="12"><rect x="1" y="1" width="18" height="10" fill="#fff1c2" stroke="#9a6700"/></svg>partition in force</span>';
  return `<div class="legend">${items.join('')}${conns}</div><div class="legend">${marks}</div>${trace.truncated ? '<p class="muted">The trace is too long: only its first messages are counted.</p>' : ''}`;
}

function expectationsTable({ expectations }: RunRecord): string {
  if (expectations.length === 0) return '';
  const rows = expectations.map((e) => `<tr><td class="num">${e.index + 1}</td><td class="${e.ok ? 'pass' : 'fail'}">${e.ok ? 'ok' : 'FAILED'}</td><td>${esc(e.check)}</td><td class="mono">${esc(e.seen)}</td></tr>`);
  return `<h2>Expectations</h2><table><tr><th>#</th><th></th><th>check</th><th>seen</th></tr>${rows.join('')}</table>`;
}

function scheduleTables({ seed, schedule }: RunRecord): string {
  const links = schedule.links.map((l) => `<tr><td class="mono">${esc(l.name)}</td><td>${esc(l.proto)}</td><td class="mono">${esc(faults(l.forward))}</td><td class="mono">${esc(faults(l.reverse))}</td></tr>`);
  const steps = schedule.steps.map((s) => `<tr><td class="mono">${esc(s.origin)}</td><td class="num">${s.afterMs ? `+${s.afterMs} ms` : ''}</td><td>${esc(describe(s.action))}</td><td>${esc(s.note ?? '')}</td></tr>`);
  return `<p>Scenario seed <b>${esc(seed)}</b>. Every random choice below (victims, pauses, partition sides) was drawn from it before the run started.</p>
<table><tr><th>link</th><th>proto</th><th>forward faults</th><th>reverse faults</th></tr>${links.join('') || '<tr><td colspan="4" class="muted">no proxied links</td></tr>'}</table>
<table><tr><th>step</th><th>pause before</th><th>action</th><th>note</th></tr>${steps.join('')}</table>`;
}

/** A step in the schedule table's words. */
function describe(a: PlannedAction): string {
  switch (a.kind) {
    case 'partition':
      return `partition ${JSON.stringify(a.request)}`;
    case 'setFaults':
      return `set faults on ${a.links.join(', ')} (${a.direction}): ${faults(a.faults)}`;
    case 'waitOutput':
      if (a.latest) return `wait until ${a.nodes.join(', ')}'s latest /${a.latest.match}/ line matches /${a.match}/ for ${a.latest.stableMs} ms (within ${a.withinSec} s)`;
      return `wait until ${a.nodes.join(', ')} print /${a.match}/ (within ${a.withinSec} s)`;
    case 'waitExit':
      return `wait until ${a.nodes.join(', ')} exit (within ${a.withinSec} s)`;
    case 'waitDelivered':
      return `wait until the proxy passes on a message from ${a.from} to ${a.to}${a.since === 'previous' ? ' after the previous step' : ''} (within ${a.withinSec} s)`;
    case 'sleep':
      return `sleep ${a.ms} ms`;
    case 'stdin':
      return `write ${JSON.stringify(a.text)} to ${a.nodes.join(', ')}`;
    case 'signal':
      return `send ${a.signal} to ${a.nodes.join(', ')}`;
    case 'heal':
      return 'heal';
    default:
      return `${a.kind} ${a.nodes.join(', ')}`;
  }
}

function faults(f: object | undefined): string {
  if (!f || Object.keys(f).length === 0) return '—';
  return Object.entries(f)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(' ');
}

function logTable({ nodes: records, events }: RunRecord, maxRows: number): string {
  const nodes = records.map((n) => n.name);
  type Row = { tMs: number; col: number; text: string; stderr: boolean };
  const rows: Row[] = [];
  for (const e of events) if (!nodes.includes(e.source)) rows.push({ tMs: e.tMs, col: -1, text: `${e.source}: ${e.text}`, stderr: false });
  for (const e of events) if (nodes.includes(e.source)) rows.push({ tMs: e.tMs, col: -1, text: `${e.source}: ${e.text}`, stderr: false });
  records.forEach((n, i) => {
    for (const l of n.lines) rows.push({ tMs: l.tMs, col: i, text: l.text, stderr: l.stream === 'stderr' });
  });
  rows.sort((a, b) => a.tMs - b.tMs || a.col - b.col);
  let shown = rows;
  let cut = '';
  if (rows.length > maxRows) {
    const half = Math.floor(maxRows / 2);
    shown = [...rows.slice(0, half), ...rows.slice(-half)];
    cut = `<tr><td colspan="${nodes.length + 2}" class="muted">… ${rows.length - maxRows} rows left out (the full logs are in the artifacts: nodes/*.log, timeline.txt) …</td></tr>`;
  }
  const omitted = records.filter((n) => n.omittedLines > 0).map((n) => `${n.name}: ${n.omittedLines} middle lines not kept`);
  const header = `<tr><th>time</th><th>dsgrade</th>${nodes.map((n) => `<th>${esc(n)}</th>`).join('')}</tr>`;
  const body = shown.map((r, i) => {
    const cells = [`<td class="ev">${r.col === -1 ? esc(r.text) : ''}</td>`, ...nodes.map((_, c) => `<td class="logcell${r.stderr && c === r.col ? ' stderr' : ''}">${c === r.col ? esc(r.text) : ''}</td>`)];
    return `${cut && i === Math.floor(maxRows / 2) ? cut : ''}<tr><td class="t mono">${formatSeconds(r.tMs)}</td>${cells.join('')}</tr>`;
  });
  return `${omitted.length ? `<p class="muted">${esc(omitted.join('; '))}</p>` : ''}<table class="logs">${header}${body.join('\n')}</table>`;
}
