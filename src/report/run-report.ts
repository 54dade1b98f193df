/**
 * The student-facing run report of one scenario: a single self-contained HTML page (inline CSS and
 * SVG, no scripts, no network) built from the scenario's artifacts folder:
 *
 * - a space-time (Lamport) diagram: one vertical line per node, time flowing down, one arrow per
 *   message the proxy saw (trace record groups by link, direction and sequence number), drawn by
 *   what the network did to it — delivered, delayed, dropped, duplicated, held by a partition,
 *   stalled, reordered, corrupted; node starts, crashes and kills, and partitions marked;
 * - every node's log aligned on the same clock, beside dsgrade's own events;
 * - the fault schedule (links and their faults, the steps drawn from the seed), the seed, the
 *   failure and the command that reruns exactly this schedule.
 *
 * Everything is read from the artifacts (plan.json, result.json, seed.txt, rerun.txt,
 * report-data.json, proxy-trace.jsonl), so a report can be rebuilt from a kept artifacts folder.
 */
import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { formatDuration } from './format.js';
import { BASE_CSS, esc, page } from './html.js';

export type MessageKind = 'delivered' | 'delayed' | 'dropped' | 'duplicated' | 'blocked' | 'stalled' | 'reordered' | 'corrupted';

export const MESSAGE_KINDS: readonly MessageKind[] = ['delivered', 'delayed', 'dropped', 'duplicated', 'blocked', 'stalled', 'reordered', 'corrupted'];

const KIND_TEXT: Record<MessageKind, string> = {
  delivered: 'delivered at once',
  delayed: 'delivered late (delay, jitter or bandwidth)',
  dropped: 'dropped (lost, or discarded by a full bandwidth queue)',
  duplicated: 'duplicated (delivered twice)',
  blocked: 'blocked by a partition (UDP: lost; TCP: held until the heal)',
  stalled: 'stalled (TCP bytes held by a stall rule)',
  reordered: 'held back and reordered',
  corrupted: 'corrupted, truncated or lengthened',
};

/** One message: every trace record of one (link, direction, seq), reduced to what happened to it. */
export interface TraceMessage {
  link: string;
  dir: 'forward' | 'reverse';
  seq: number;
  /** Scenario time (ms since the scenario start) when the proxy read it. */
  tMs: number;
  size: number;
  kind: MessageKind;
  delayMs: number;
  actions: string[];
}

export interface ConnEvent {
  link: string;
  tMs: number;
  action: 'accept' | 'close' | 'reset' | 'refused';
  conn: number;
}

export interface ParsedTrace {
  messages: TraceMessage[];
  connections: ConnEvent[];
  counts: Record<MessageKind, number>;
  truncated: boolean;
}

interface TraceRecord {
  t?: number;
  link?: string;
  dir?: string;
  seq?: number;
  size?: number;
  action?: string;
  delayMs?: number;
}

const CONN_ACTIONS = new Set(['accept', 'close', 'reset', 'refused']);
const MAX_MESSAGES = 200_000;

/** Classifies the actions of one message, the most telling first. */
export function classify(actions: readonly string[]): MessageKind {
  const has = (a: string) => actions.includes(a);
  if (has('drop') || has('overflow')) return 'dropped';
  if (has('block')) return 'blocked';
  if (has('duplicate')) return 'duplicated';
  if (has('corrupt') || has('truncate') || has('lengthen')) return 'corrupted';
  if (has('stall')) return 'stalled';
  if (has('reorder')) return 'reordered';
  if (has('delay')) return 'delayed';
  return 'delivered';
}

/** Reads a faultnet trace (JSON lines, `t` in µs since the proxy started) into messages. */
export async function readTrace(file: string, proxyOffsetMs: number): Promise<ParsedTrace> {
  const byKey = new Map<string, TraceMessage>();
  const connections: ConnEvent[] = [];
  let truncated = false;
  try {
    await fs.access(file);
  } catch {
    return { messages: [], connections, counts: zeroCounts(), truncated };
  }
  const rl = createInterface({ input: createReadStream(file) });
  for await (const line of rl) {
    let r: TraceRecord;
    try {
      r = JSON.parse(line) as TraceRecord;
    } catch {
      continue;
    }
    if (r.t === undefined || !r.link || !r.action) continue;
    const tMs = proxyOffsetMs + r.t / 1000;
    if (CONN_ACTIONS.has(r.action)) {
      connections.push({ link: r.link, tMs, action: r.action as ConnEvent['action'], conn: r.seq ?? 0 });
      continue;
    }
    const dir = r.dir === 'reverse' ? 'reverse' : 'forward';
    const key = `${r.link}\u0000${dir}\u0000${r.seq ?? -1}`;
    let m = byKey.get(key);
    if (!m) {
      if (byKey.size >= MAX_MESSAGES) {
        truncated = true;
        continue;
      }
      m = { link: r.link, dir, seq: r.seq ?? -1, tMs, size: r.size ?? 0, kind: 'delivered', delayMs: 0, actions: [] };
      byKey.set(key, m);
    }
    m.actions.push(r.action);
    if (r.action === 'delay' && typeof r.delayMs === 'number') m.delayMs = r.delayMs;
    if (typeof r.size === 'number') m.size = r.size;
  }
  const messages = [...byKey.values()].sort((a, b) => a.tMs - b.tMs);
  const counts = zeroCounts();
  for (const m of messages) {
    m.kind = classify(m.actions);
    counts[m.kind]++;
  }
  return { messages, connections, counts, truncated };
}

function zeroCounts(): Record<MessageKind, number> {
  return Object.fromEntries(MESSAGE_KINDS.map((k) => [k, 0])) as Record<MessageKind, number>;
}

interface ReportData {
  proxyOffsetMs: number;
  durationMs: number;
  events: { tMs: number; source: string; text: string }[];
  nodeLines: Record<string, { lines: { tMs: number; stream: 'stdout' | 'stderr'; text: string }[]; omitted: number }>;
}

interface PlanFile {
  seed: string;
  nodes: string[];
  links: { name: string; from: string; to: string; proto: string; forward?: object; reverse?: object }[];
  steps: { seq: number; origin: string; afterMs: number; note?: string; action: { kind: string } & Record<string, unknown> }[];
}

interface ResultFile {
  testId: string;
  seed: string;
  verdict: string;
  reason: string;
  expectations: { index: number; check: string; ok: boolean; seen: string }[];
  durationMs: number;
}

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

/** Builds the run report of the scenario whose artifacts are in `dir`. */
export async function buildRunReport(dir: string, opts: RunReportOptions = {}): Promise<RunReport> {
  const readJson = async <T>(name: string): Promise<T | undefined> => {
    try {
      return JSON.parse(await fs.readFile(path.join(dir, name), 'utf8')) as T;
    } catch {
      return undefined;
    }
  };
  const readText = (name: string) => fs.readFile(path.join(dir, name), 'utf8').then((t) => t.trim(), () => '');
  const plan = (await readJson<PlanFile>('plan.json')) ?? { seed: '', nodes: [], links: [], steps: [] };
  const result = await readJson<ResultFile>('result.json');
  const data = (await readJson<ReportData>('report-data.json')) ?? { proxyOffsetMs: 0, durationMs: result?.durationMs ?? 0, events: [], nodeLines: {} };
  const seed = (await readText('seed.txt')) || plan.seed;
  const rerun = await readText('rerun.txt');
  const trace = await readTrace(path.join(dir, 'proxy-trace.jsonl'), data.proxyOffsetMs);
  const nodes = plan.nodes.length > 0 ? plan.nodes : Object.keys(data.nodeLines);
  const diagram = renderDiagram({ nodes, links: plan.links, trace, data, maxArrows: opts.maxArrows ?? 4000 });
  const title = `Run report — ${result?.testId ?? path.basename(dir)}`;
  const verdictClass = result?.verdict === 'passed' ? 'pass' : result?.verdict === 'error' ? 'err' : 'fail';

  const body = `
<h1>${esc(title)}</h1>
<p class="${verdictClass}"><b>${esc((result?.verdict ?? 'unknown').toUpperCase())}</b>${result?.reason ? `: ${esc(result.reason)}` : ''}</p>
<div class="cards">
  <div class="card"><b>${esc(seed)}</b>scenario seed</div>
  <div class="card"><b>${formatDuration(data.durationMs)}</b>duration</div>
  <div class="card"><b>${nodes.length}</b>node(s)</div>
  <div class="card"><b id="message-total">${trace.messages.length}</b>message(s) through the proxy</div>
</div>
<h2>Rerun exactly this schedule</h2>
<pre id="rerun">${esc(rerun || '(no rerun command recorded)')}</pre>
<p class="muted">The same seed gives the same kills, sleeps, partitions and proxy decisions for the n-th message of each link; the operating system's scheduling still varies.</p>
${expectationsTable(result)}
<h2>Space-time diagram</h2>
<p class="muted">One vertical line per node, time flowing down (scenario clock). Each arrow is one message through dsgrade's proxy (a UDP datagram or a TCP chunk), from the time the proxy read it to the time it was delivered. Hover an arrow, a dot or a marker for details.</p>
${legend(trace)}
${diagram.svg}
${diagram.note ? `<p class="muted" id="arrow-note">${esc(diagram.note)}</p>` : ''}
<h2>Fault schedule</h2>
${scheduleTables(plan)}
<h2>Logs on the timeline</h2>
<p class="muted">Every line the nodes printed (stdout, and <span class="stderr">stderr</span>) beside dsgrade's events, on the diagram's clock.</p>
${logTable(nodes, data, opts.maxLogRows ?? 3000)}
`;
  return { html: page(title, CSS, body), drawn: diagram.drawn, messages: trace.messages.length, counts: trace.counts };
}

/** Writes `report.html` into the artifacts folder and returns its path and what it drew. */
export async function writeRunReport(dir: string, opts: RunReportOptions = {}): Promise<RunReport & { file: string }> {
  const r = await buildRunReport(dir, opts);
  const file = path.join(dir, 'report.html');
  await fs.writeFile(file, r.html);
  return { ...r, file };
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

function legend(trace: ParsedTrace): string {
  const items = MESSAGE_KINDS.map(
    (k) =>
      `<span class="k" data-kind="${k}"><svg width="34" height="12" class="k-${k}"><line x1="2" y1="6" x2="32" y2="6"${k === 'dropped' || k === 'blocked' ? ' stroke-dasharray="4 3"' : ''}/></svg>${esc(KIND_TEXT[k])}: <b class="count" data-kind="${k}">${trace.counts[k]}</b></span>`,
  );
  const conns = trace.connections.length ? `<span class="k"><svg width="14" height="12"><circle cx="7" cy="6" r="4" fill="#fff" stroke="#57606a"/></svg>TCP connection events: ${trace.connections.length}</span>` : '';
  const marks =
    '<span class="k"><svg width="12" height="12"><circle cx="6" cy="6" r="4" fill="#1a7f37"/></svg>node started</span>' +
    '<span class="k"><svg width="14" height="14"><path d="M2,2 l10,10 m0,-10 l-10,10" stroke="#cf222e" stroke-width="3"/></svg>node killed by the scenario, or crashed</span>' +
    '<span class="k"><svg width="12" height="12"><rect x="2" y="2" width="8" height="8" fill="#8c959f"/></svg>stopped by dsgrade at the end</span>' +
    '<span class="k"><svg width="20" height="12"><rect x="1" y="1" width="18" height="10" fill="#fff1c2" stroke="#9a6700"/></svg>partition in force</span>';
  return `<div class="legend">${items.join('')}${conns}</div><div class="legend">${marks}</div>${trace.truncated ? '<p class="muted">The trace is too long: only its first messages are counted.</p>' : ''}`;
}

interface DiagramInput {
  nodes: string[];
  links: PlanFile['links'];
  trace: ParsedTrace;
  data: ReportData;
  maxArrows: number;
}

function renderDiagram(input: DiagramInput): { svg: string; drawn: number; note: string } {
  const { nodes, trace, data } = input;
  const colW = Math.max(110, Math.min(200, 900 / Math.max(1, nodes.length)));
  const left = 190;
  const top = 46;
  const width = left + colW * nodes.length + 40;
  const endMs = Math.max(data.durationMs, ...trace.messages.map((m) => m.tMs + m.delayMs), 1);
  const height = Math.round(Math.min(4000, Math.max(700, endMs * 0.3)));
  const y = (ms: number) => top + (Math.max(0, ms) / endMs) * (height - top - 20);
  const x = (node: string) => {
    const i = nodes.indexOf(node);
    return left + colW * (i < 0 ? nodes.length : i) + colW / 2;
  };
  const linkEnds = new Map(input.links.map((l) => [l.name, l]));
  const ends = (link: string): { from: string; to: string } => {
    const l = linkEnds.get(link);
    if (l) return l;
    const [from = link, to = link] = link.split('->');
    return { from, to };
  };
  const parts: string[] = [];

  // Time grid.
  const step = niceStep(endMs / 12);
  for (let t = 0; t <= endMs; t += step) {
    parts.push(`<line class="tick" x1="${left - 10}" y1="${y(t)}" x2="${width - 10}" y2="${y(t)}"/><text x="${left - 14}" y="${y(t) + 4}" text-anchor="end" fill="#57606a">${(t / 1000).toFixed(step < 100 ? 2 : step < 1000 ? 1 : 0)}s</text>`);
  }

  // Partitions: from "partition in force" to "healed".
  let openPartition: { tMs: number; text: string } | undefined;
  const bands: { from: number; to: number; text: string }[] = [];
  const stepText: [number, string][] = [];
  for (const e of data.events) {
    if (e.source === 'step') {
      stepText.push([e.tMs, e.text]);
      if (/partition /.test(e.text)) openPartition = { tMs: e.tMs, text: e.text.replace(/^[^:]*:\s*/, '') };
      if (/: heal\b/.test(e.text) && openPartition) {
        bands.push({ from: openPartition.tMs, to: e.tMs, text: openPartition.text });
        openPartition = undefined;
      }
    }
  }
  if (openPartition) bands.push({ from: openPartition.tMs, to: endMs, text: `${openPartition.text} (never healed)` });
  for (const b of bands) {
    parts.push(
      `<g class="partition-band"><rect class="partition" x="${left}" y="${y(b.from)}" width="${colW * nodes.length}" height="${Math.max(2, y(b.to) - y(b.from))}"><title>${esc(b.text)}</title></rect><text class="parttext" x="${width - 14}" y="${y(b.from) + 13}" text-anchor="end">⚡ ${esc(b.text.slice(0, 60))}</text></g>`,
    );
  }

  // Steps on the left margin (labels pushed down when steps are close together).
  let labelY = 0;
  for (const [t, text] of stepText.sort((a, b) => a[0] - b[0])) {
    labelY = Math.max(y(t) - 3, labelY + 13);
    parts.push(`<g class="step"><line class="stepline" x1="6" y1="${labelY + 3}" x2="${left - 46}" y2="${y(t)}"/><line class="stepline" x1="${left - 46}" y1="${y(t)}" x2="${left}" y2="${y(t)}"/><text class="steptext" x="6" y="${labelY}">${esc(shorten(text, 30))}<title>${esc(text)}</title></text></g>`);
  }
  const injected = (node: string, tMs: number): boolean =>
    data.events.some((e) => e.source === 'step' && e.tMs <= tMs && e.tMs >= tMs - 5000 && /: (kill|restart) /.test(e.text) && new RegExp(`\\b${node}\\b`).test(e.text));

  // Lifelines: up from each start to the next exit.
  for (const n of nodes) {
    const cx = x(n);
    parts.push(`<text x="${cx}" y="${top - 22}" text-anchor="middle" font-weight="600">${esc(n)}</text>`);
    parts.push(`<line class="down" x1="${cx}" y1="${top}" x2="${cx}" y2="${height - 10}"/>`);
    let upAt: number | undefined;
    for (const e of data.events.filter((ev) => ev.source === n)) {
      if (/^started #/.test(e.text)) {
        upAt = e.tMs;
        parts.push(`<circle class="start" cx="${cx}" cy="${y(e.tMs)}" r="4"><title>${esc(`${n} ${e.text}`)} at ${fmtT(e.tMs)}</title></circle>`);
      } else if (/^#\d+ (killed by|exited with)/.test(e.text) || /^killed:/.test(e.text)) {
        if (upAt !== undefined) parts.push(`<line class="life" x1="${cx}" y1="${y(upAt)}" x2="${cx}" y2="${y(e.tMs)}"/>`);
        upAt = undefined;
        const byDsgrade = /by dsgrade/.test(e.text);
        const cy = y(e.tMs);
        const [kind, what, mark] =
          byDsgrade && injected(n, e.tMs)
            ? ['killed', 'killed by the scenario (fault injection)', `<path class="crash" d="M${cx - 6},${cy - 6} l12,12 m0,-12 l-12,12"/>`]
            : byDsgrade
              ? ['stopped', 'stopped by dsgrade when the scenario ended', `<rect class="stop" x="${cx - 4}" y="${cy - 4}" width="8" height="8"/>`]
              : /exited with code 0/.test(e.text)
                ? ['exited', 'exited by itself', `<circle class="stop" cx="${cx}" cy="${cy}" r="4"/>`]
                : ['crashed', 'crashed or exited with an error', `<path class="crash" d="M${cx - 6},${cy - 6} l12,12 m0,-12 l-12,12"/><text x="${cx + 9}" y="${cy + 4}" fill="#cf222e" font-weight="600">crash</text>`];
        parts.push(`<g class="node-end ${kind}" data-node="${esc(n)}">${mark}<title>${esc(`${n} ${e.text} — ${what}`)} at ${fmtT(e.tMs)}</title></g>`);
      }
    }
    if (upAt !== undefined) parts.push(`<line class="life" x1="${cx}" y1="${y(upAt)}" x2="${cx}" y2="${y(endMs)}"/>`);
  }

  // Log dots.
  for (const n of nodes) {
    const lines = input.data.nodeLines[n]?.lines ?? [];
    const cx = x(n);
    for (const l of lines.slice(0, 1500)) parts.push(`<circle class="logdot${l.stream === 'stderr' ? ' stderr' : ''}" cx="${cx + 7}" cy="${y(l.tMs)}" r="2"><title>${esc(`${fmtT(l.tMs)} ${n}: ${l.text.slice(0, 200)}`)}</title></circle>`);
  }

  // Messages.
  const chosen = pickArrows(trace.messages, input.maxArrows);
  for (const m of chosen) {
    const { from, to } = ends(m.link);
    const [src, dst] = m.dir === 'forward' ? [from, to] : [to, from];
    const x1 = x(src);
    const x2 = x(dst);
    const y1 = y(m.tMs);
    const arrive = m.tMs + Math.max(m.delayMs, 0);
    const y2 = Math.max(y(arrive), y1 + 3);
    const label = `${m.link} ${m.dir} #${m.seq}, ${m.size} bytes at ${fmtT(m.tMs)}: ${m.actions.join(' → ')}${m.delayMs ? ` (${m.delayMs.toFixed(1)} ms)` : ''} — ${KIND_TEXT[m.kind]}`;
    const attrs = `class="msg k-${m.kind}" data-kind="${m.kind}" data-link="${esc(m.link)}" data-dir="${m.dir}" data-seq="${m.seq}"`;
    let shape: string;
    if (m.kind === 'dropped' || m.kind === 'blocked' || m.kind === 'stalled') {
      const mx = x1 + (x2 - x1) * 0.55;
      const my = y1 + (y2 - y1) * 0.55 + 2;
      const mark = m.kind === 'dropped' ? `M${mx - 4},${my - 4} l8,8 m0,-8 l-8,8` : `M${mx},${my - 5} l0,10`;
      shape = `<line x1="${x1}" y1="${y1}" x2="${mx}" y2="${my}"/><path class="x" d="${mark}"/>`;
    } else if (m.kind === 'duplicated') {
      shape = `<line x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2}" marker-end="url(#a-duplicated)"/><line x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2 + 5}" marker-end="url(#a-duplicated)"/>`;
    } else {
      shape = `<line x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2}" marker-end="url(#a-${m.kind})"/>`;
    }
    parts.push(`<g ${attrs}><title>${esc(label)}</title>${shape}</g>`);
  }
  for (const c of trace.connections) {
    const { from } = ends(c.link);
    parts.push(`<circle class="conn" data-action="${c.action}" cx="${x(from) - 7}" cy="${y(c.tMs)}" r="3.5"><title>${esc(`${c.link} connection #${c.conn}: ${c.action} at ${fmtT(c.tMs)}`)}</title></circle>`);
  }

  const colors: Record<MessageKind, string> = { delivered: '#1a7f37', delayed: '#0969da', dropped: '#cf222e', duplicated: '#8250df', blocked: '#9a6700', stalled: '#bc4c00', reordered: '#bf3989', corrupted: '#6e7781' };
  const markers = MESSAGE_KINDS.map((k) => `<marker id="a-${k}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="${colors[k]}"/></marker>`).join('');
  const svg = `<svg class="st" id="spacetime" role="img" aria-label="space-time diagram" data-messages="${trace.messages.length}" data-drawn="${chosen.length}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" xmlns="http://www.w3.org/2000/svg"><defs>${markers}</defs>${parts.join('\n')}</svg>`;
  const note = chosen.length < trace.messages.length ? `Showing ${chosen.length} of ${trace.messages.length} messages: every message the network interfered with first, then delivered ones evenly spread over the run. The counts above cover all of them.` : '';
  return { svg, drawn: chosen.length, note };
}

/** All messages when they fit; otherwise the interesting ones first, then evenly spaced delivered ones. */
function pickArrows(messages: TraceMessage[], max: number): TraceMessage[] {
  if (messages.length <= max) return messages;
  const interesting = messages.filter((m) => m.kind !== 'delivered').slice(0, max);
  const room = max - interesting.length;
  const plain = messages.filter((m) => m.kind === 'delivered');
  const every = room > 0 ? plain.length / room : Infinity;
  const sampled = room > 0 ? Array.from({ length: Math.min(room, plain.length) }, (_, i) => plain[Math.floor(i * every)]!) : [];
  return [...interesting, ...sampled].sort((a, b) => a.tMs - b.tMs);
}

function expectationsTable(result: ResultFile | undefined): string {
  if (!result || result.expectations.length === 0) return '';
  const rows = result.expectations.map((e) => `<tr><td class="num">${e.index + 1}</td><td class="${e.ok ? 'pass' : 'fail'}">${e.ok ? 'ok' : 'FAILED'}</td><td>${esc(e.check)}</td><td class="mono">${esc(e.seen)}</td></tr>`);
  return `<h2>Expectations</h2><table><tr><th>#</th><th></th><th>check</th><th>seen</th></tr>${rows.join('')}</table>`;
}

function scheduleTables(plan: PlanFile): string {
  const links = plan.links.map((l) => `<tr><td class="mono">${esc(l.name)}</td><td>${esc(l.proto)}</td><td class="mono">${esc(faults(l.forward))}</td><td class="mono">${esc(faults(l.reverse))}</td></tr>`);
  const steps = plan.steps.map((s) => {
    return `<tr><td class="mono">${esc(s.origin)}</td><td class="num">${s.afterMs ? `+${s.afterMs} ms` : ''}</td><td>${esc(describe(s.action))}</td><td>${esc(s.note ?? '')}</td></tr>`;
  });
  return `<p>Scenario seed <b>${esc(plan.seed)}</b>. Every random choice below (victims, pauses, partition sides) was drawn from it before the run started.</p>
<table><tr><th>link</th><th>proto</th><th>forward faults</th><th>reverse faults</th></tr>${links.join('') || '<tr><td colspan="4" class="muted">no proxied links</td></tr>'}</table>
<table><tr><th>step</th><th>pause before</th><th>action</th><th>note</th></tr>${steps.join('')}</table>`;
}

function describe(a: { kind: string } & Record<string, unknown>): string {
  const nodes = Array.isArray(a.nodes) ? (a.nodes as string[]).join(', ') : '';
  switch (a.kind) {
    case 'partition':
      return `partition ${JSON.stringify(a.request)}`;
    case 'setFaults':
      return `set faults on ${(a.links as string[]).join(', ')} (${String(a.direction)}): ${faults(a.faults as object)}`;
    case 'waitOutput': {
      const latest = a.latest as { match: string; stableMs: number } | undefined;
      if (latest) return `wait until ${nodes}'s latest /${latest.match}/ line matches /${String(a.match)}/ for ${latest.stableMs} ms (within ${String(a.withinSec)} s)`;
      return `wait until ${nodes} print /${String(a.match)}/ (within ${String(a.withinSec)} s)`;
    }
    case 'waitExit':
      return `wait until ${nodes} exit (within ${String(a.withinSec)} s)`;
    case 'waitDelivered':
      return `wait until the proxy passes on a message from ${String(a.from)} to ${String(a.to)}${a.since === 'previous' ? ' after the previous step' : ''} (within ${String(a.withinSec)} s)`;
    case 'sleep':
      return `sleep ${String(a.ms)} ms`;
    case 'stdin':
      return `write ${JSON.stringify(a.text)} to ${nodes}`;
    case 'signal':
      return `send ${String(a.signal)} to ${nodes}`;
    default:
      return `${a.kind}${nodes ? ` ${nodes}` : ''}`;
  }
}

function faults(f: object | undefined): string {
  if (!f || Object.keys(f).length === 0) return '—';
  return Object.entries(f)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(' ');
}

function logTable(nodes: string[], data: ReportData, maxRows: number): string {
  type Row = { tMs: number; col: number; text: string; stderr: boolean };
  const rows: Row[] = [];
  for (const e of data.events) if (!nodes.includes(e.source)) rows.push({ tMs: e.tMs, col: -1, text: `${e.source}: ${e.text}`, stderr: false });
  for (const e of data.events) if (nodes.includes(e.source)) rows.push({ tMs: e.tMs, col: -1, text: `${e.source}: ${e.text}`, stderr: false });
  nodes.forEach((n, i) => {
    for (const l of data.nodeLines[n]?.lines ?? []) rows.push({ tMs: l.tMs, col: i, text: l.text, stderr: l.stream === 'stderr' });
  });
  rows.sort((a, b) => a.tMs - b.tMs || a.col - b.col);
  let shown = rows;
  let cut = '';
  if (rows.length > maxRows) {
    const half = Math.floor(maxRows / 2);
    shown = [...rows.slice(0, half), ...rows.slice(-half)];
    cut = `<tr><td colspan="${nodes.length + 2}" class="muted">… ${rows.length - maxRows} rows left out (the full logs are in the artifacts: nodes/*.log, timeline.txt) …</td></tr>`;
  }
  const omitted = nodes.filter((n) => (data.nodeLines[n]?.omitted ?? 0) > 0).map((n) => `${n}: ${data.nodeLines[n]!.omitted} middle lines not kept`);
  const header = `<tr><th>time</th><th>dsgrade</th>${nodes.map((n) => `<th>${esc(n)}</th>`).join('')}</tr>`;
  const body = shown.map((r, i) => {
    const cells = [`<td class="ev">${r.col === -1 ? esc(r.text) : ''}</td>`, ...nodes.map((_, c) => `<td class="logcell${r.stderr && c === r.col ? ' stderr' : ''}">${c === r.col ? esc(r.text) : ''}</td>`)];
    return `${cut && i === Math.floor(maxRows / 2) ? cut : ''}<tr><td class="t mono">${fmtT(r.tMs)}</td>${cells.join('')}</tr>`;
  });
  return `${omitted.length ? `<p class="muted">${esc(omitted.join('; '))}</p>` : ''}<table class="logs">${header}${body.join('\n')}</table>`;
}

function fmtT(ms: number): string {
  return `${(ms / 1000).toFixed(3)}s`;
}

function shorten(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

function niceStep(raw: number): number {
  const p = 10 ** Math.floor(Math.log10(Math.max(raw, 1)));
  for (const m of [1, 2, 5, 10]) if (m * p >= raw) return m * p;
  return 10 * p;
}
