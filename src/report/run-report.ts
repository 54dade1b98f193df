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
 *
 * A failed go test with an rpc trace (src/gotest/rpc-run-record.ts) gets the same diagram with its
 * peers as lanes, each RPC request and reply as an arrow, the peers' terms and leadership on the
 * lanes (two leaders in one term in red), and the test's events; then its terms and leaders, RPCs
 * by method and events as tables.
 */
import type { RpcRunRecord } from '../gotest/rpc-run-record.js';
import { messages, type PlannedAction } from '../scenario/plan.js';
import { MESSAGE_KINDS, type MessageKind, type ProxyTrace, type RunRecord } from '../scenario/run-record.js';
import { formatDuration, formatSeconds } from './format.js';
import { BASE_CSS, esc, page } from './html.js';
import { layoutDiagram } from './spacetime-layout.js';
import { MESSAGE_KIND_TEXT, RPC_MESSAGE_KIND_TEXT, RPC_MESSAGE_KINDS, renderDiagram } from './spacetime-svg.js';

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

const isRpcRecord = (r: RunRecord | RpcRunRecord): r is RpcRunRecord => 'kind' in r && r.kind === 'rpc';

export function renderRunReport(record: RunRecord | RpcRunRecord, opts: RunReportOptions = {}): RunReport {
  if (isRpcRecord(record)) return renderRpcReport(record, opts);
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
${legend(trace, MESSAGE_KINDS, MESSAGE_KIND_TEXT)}${SCENARIO_MARKS}${trace.truncated ? '<p class="muted">The trace is too long: only its first messages are counted.</p>' : ''}
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
svg.st .cutoff { fill: #eaeef2; stroke: #8c959f; stroke-dasharray: 2 2; opacity: .8; }
svg.st .role.leader { fill: #d4a72c; }
svg.st .role.leader.conflict { fill: #cf222e; }
svg.st text.state { fill: #57606a; font-size: 10px; }
svg.st text.state.conflict { fill: #cf222e; font-weight: 600; }
svg.st .conflictline { stroke: #cf222e; stroke-width: 1.5; stroke-dasharray: 6 3; }
svg.st .conflicttext { fill: #cf222e; font-weight: 700; paint-order: stroke; stroke: #fff; stroke-width: 3px; }
`;

function legend(trace: Pick<ProxyTrace, 'counts' | 'connections'>, kinds: readonly MessageKind[], text: Record<MessageKind, string>): string {
  const items = kinds.map(
    (k) =>
      `<span class="k" data-kind="${k}"><svg width="34" height="12" class="k-${k}"><line x1="2" y1="6" x2="32" y2="6"${k === 'dropped' || k === 'blocked' ? ' stroke-dasharray="4 3"' : ''}/></svg>${esc(text[k])}: <b class="count" data-kind="${k}">${trace.counts[k]}</b></span>`,
  );
  const conns = trace.connections.length ? `<span class="k"><svg width="14" height="12"><circle cx="7" cy="6" r="4" fill="#fff" stroke="#57606a"/></svg>TCP connection events: ${trace.connections.length}</span>` : '';
  return `<div class="legend">${items.join('')}${conns}</div>`;
}

const PARTITION_MARK = '<span class="k"><svg width="20" height="12"><rect x="1" y="1" width="18" height="10" fill="#fff1c2" stroke="#9a6700"/></svg>partition in force</span>';

const SCENARIO_MARKS = `<div class="legend">${
  '<span class="k"><svg width="12" height="12"><circle cx="6" cy="6" r="4" fill="#1a7f37"/></svg>node started</span>' +
  '<span class="k"><svg width="14" height="14"><path d="M2,2 l10,10 m0,-10 l-10,10" stroke="#cf222e" stroke-width="3"/></svg>node killed by the scenario, or crashed</span>' +
  '<span class="k"><svg width="12" height="12"><rect x="2" y="2" width="8" height="8" fill="#8c959f"/></svg>stopped by dsgrade at the end</span>'
}${PARTITION_MARK}</div>`;

const RPC_MARKS = `<div class="legend">${
  '<span class="k"><svg width="12" height="16"><rect x="2" y="1" width="8" height="14" fill="#d4a72c"/></svg>said it was the leader (T3: its term from there on)</span>' +
  '<span class="k"><svg width="12" height="16"><rect x="2" y="1" width="8" height="14" fill="#cf222e"/></svg>leader of a term another peer also led</span>' +
  '<span class="k"><svg width="20" height="12"><rect x="1" y="1" width="18" height="10" fill="#eaeef2" stroke="#8c959f" stroke-dasharray="2 2"/></svg>peer cut off by the test</span>'
}${PARTITION_MARK}</div>`;

/** A failed go test's rpc trace: the diagram first, then its terms, RPC counts and events. */
function renderRpcReport(record: RpcRunRecord, opts: RunReportOptions): RunReport {
  const { trace } = record;
  const layout = layoutDiagram(record, opts.maxArrows ?? 4000);
  const diagram = renderDiagram(layout, RPC_MESSAGE_KIND_TEXT);
  const title = `Run report — ${record.testId}`;
  const verdictClass = record.verdict === 'passed' ? 'pass' : record.verdict === 'error' ? 'err' : 'fail';
  const conflicts = record.leadersByTerm.filter((t) => t.leaders.length > 1);
  const banner = conflicts.length
    ? `<p class="fail" id="two-leaders"><b>⚠ ${conflicts.map((t) => `${t.leaders.length === 2 ? 'Two' : t.leaders.length} leaders in term ${t.term} (peers ${t.leaders.map(esc).join(' and ')})`).join('; ')}</b> — a peer votes at most once per term, so at most one candidate can win a term (Election Safety). The red bars in the diagram show when each said so.</p>`
    : '';
  const cut = record.cutCalls > 0 ? `<p class="muted" id="cut-note">Showing the last ${record.calls - record.cutCalls} of ${record.calls} calls, from ${formatSeconds(record.startMs)} to the end: the ${record.cutCalls} earlier calls are not drawn. The counts, terms and leaders cover every call and state change read.</p>` : '';
  const body = `
<h1>${esc(title)}</h1>
<p class="${verdictClass}"><b>${esc(record.verdict.toUpperCase())}</b>${record.reason ? `: ${esc(record.reason)}` : ''}</p>
${banner}
<div class="cards">
  <div class="card"><b>${esc(record.seed || '?')}</b>rpc seed</div>
  <div class="card"><b>${formatDuration(record.durationMs)}</b>traced</div>
  <div class="card"><b>${record.nodes.length}</b>peer(s)</div>
  <div class="card"><b id="call-total">${record.calls}</b>RPC call(s)</div>
  <div class="card"><b id="message-total">${trace.messages.length}</b>message(s) drawn</div>
</div>
<h2>Rerun with the same network decisions</h2>
<pre id="rerun">${esc(record.rerun || '(no rerun command recorded)')}</pre>
<p class="muted">The seed replays the rpc network's decisions: the n-th call through each end is lost, delayed or delivered the same way. It does not replay the order in which goroutines run, so when each call is made and what it carries can differ from run to run: a failure that depends on timing may need several runs to come back (doc.go of package rpc, "Seeds").</p>
<h2>Space-time diagram</h2>
<p class="muted">One vertical line per peer, time flowing down (seconds since the test made the network). Each arrow is one RPC request (to the peer called) or its reply (back), from when the network took it to when it was delivered; a lost one ends in a cross (dropped) or a bar (blocked). A bar on a lane: that peer said it was the leader when the test asked (GetState); red when another peer led the same term. The labels give each peer's term from each change on. Hover an arrow or a bar for details.</p>
${legend(trace, RPC_MESSAGE_KINDS, RPC_MESSAGE_KIND_TEXT)}${RPC_MARKS}
${cut}
${diagram.svg}
${diagram.note ? `<p class="muted" id="arrow-note">${esc(diagram.note)}</p>` : ''}
${enlargedEnd(record, layout.endMs, opts.maxArrows ?? 4000)}
<h2>Terms and leaders</h2>
${termsTable(record)}
<h2>RPCs by method</h2>
${methodsTable(record)}
<h2>Test events</h2>
${eventsTable(record)}
${record.notes.length ? `<p class="muted" id="trace-notes">${record.notes.map((n) => esc(n)).join('; ')}.</p>` : ''}
<p class="muted">The trace is written by the test's process, which runs the submission's code: it is shown to explain a failure and decides nothing (the verdict comes from the test's sealed result).</p>
`;
  return { html: page(title, CSS, body), drawn: layout.arrows.length, messages: trace.messages.length, counts: trace.counts };
}

/**
 * The end of the run again, enlarged, when it is crowded: a test fails right after what went wrong
 * (the second leader, the lost reply), and on one time scale for the whole run that moment can be a
 * few pixels high. Drawn when the last tenth of the diagram's time holds a quarter of its messages.
 */
function enlargedEnd(record: RpcRunRecord, endMs: number, maxArrows: number): string {
  const { messages } = record.trace;
  const fromMs = endMs - (endMs - record.startMs) / 10;
  const late = messages.filter((m) => m.tMs >= fromMs);
  if (late.length < 6 || late.length < messages.length / 4) return '';
  const d = renderDiagram(layoutDiagram({ ...record, startMs: fromMs, trace: { ...record.trace, messages: late } }, maxArrows), RPC_MESSAGE_KIND_TEXT, 'spacetime-end');
  return `<h3 id="enlarged-end">The last ${formatDuration(endMs - fromMs)}, enlarged</h3><p class="muted">The same diagram from ${formatSeconds(fromMs)} to the end: ${late.length} of the ${messages.length} messages fall in this last tenth of the time.</p>
${d.svg}`;
}

function termsTable(r: RpcRunRecord): string {
  if (r.leadersByTerm.length === 0) return '<p>No peer ever said it was the leader.</p>';
  const rows = r.leadersByTerm.map((t) => `<tr class="${t.leaders.length > 1 ? 'fail' : ''}" data-term="${t.term}"><td class="num">${t.term}</td><td>${t.leaders.map((l) => `peer ${esc(l)}`).join(', ')}${t.leaders.length > 1 ? ' — more than one leader' : ''}</td><td class="t mono">${formatSeconds(t.firstMs)}</td></tr>`);
  return `<table id="terms"><tr><th>term</th><th>leader(s)</th><th>first seen</th></tr>${rows.join('')}</table>`;
}

function methodsTable(r: RpcRunRecord): string {
  const rows = r.methods.map((m) => `<tr><td class="mono">${esc(m.method || '?')}</td><td class="num">${m.calls}</td><td class="num">${m.unanswered}</td></tr>`);
  return `<table><tr><th>method</th><th>calls</th><th>no reply (lost, blocked, or still running)</th></tr>${rows.join('') || '<tr><td colspan="3" class="muted">no calls</td></tr>'}</table>`;
}

function eventsTable(r: RpcRunRecord): string {
  const rows = r.events.map((e) => `<tr><td class="t mono">${formatSeconds(e.tMs)}</td><td>${esc(e.text)}</td></tr>`);
  return `<table><tr><th>time</th><th>event</th></tr>${rows.join('') || '<tr><td colspan="2" class="muted">the test recorded no events</td></tr>'}</table>`;
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
      return `wait until the proxy passes on ${messages(a.count)} from ${a.from} to ${a.to}${a.since === 'previous' ? ' after the previous step' : ''} (within ${a.withinSec} s)`;
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
