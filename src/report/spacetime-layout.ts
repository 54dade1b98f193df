/**
 * The geometry of the run report's space-time (Lamport) diagram, from a run record: one lane per
 * node (x), time flowing down (y, one scale for the whole run), the time grid, partitions as
 * bands from the partition step to the heal, the step labels in the left margin, each node's
 * lifelines with their start and end marks, log dots, and one arrow per message from when the
 * proxy read it to when it was delivered. Pure: numbers and the record's own entries, no HTML
 * (spacetime-svg.ts draws it).
 */
import type { ConnEvent, NodeRun, OutputLine, RunRecord, TraceMessage } from '../scenario/run-record.js';

/** How a node's incarnation ended, as the diagram marks it. */
export type EndKind = 'killed' | 'stopped' | 'exited' | 'crashed';

export interface Arrow {
  message: TraceMessage;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  /** Messages that never arrived (dropped, held by a partition, stalled) stop here, with a mark. */
  cut?: { x: number; y: number };
}

export interface DiagramLayout {
  width: number;
  height: number;
  /** The top of the lanes, and the left edge of the first one (the step labels are left of it). */
  top: number;
  left: number;
  laneWidth: number;
  /** Time at the bottom of the scale. */
  endMs: number;
  ticks: { y: number; tMs: number; decimals: number }[];
  /** One lane per node, with its incarnations: a start mark at y1, a lifeline to y2, and how it ended. */
  lanes: { node: string; x: number; runs: { run: NodeRun; y1: number; y2: number; end?: { y: number; kind: EndKind } }[] }[];
  bands: { x: number; y: number; width: number; height: number; text: string }[];
  /** Step labels: the text at `labelY` (pushed down when steps are close), pointing at `y`. */
  stepLabels: { labelY: number; y: number; text: string }[];
  logDots: { node: string; x: number; y: number; line: OutputLine }[];
  arrows: Arrow[];
  connections: { event: ConnEvent; x: number; y: number }[];
  /** Messages in the record (arrows.length of them are drawn). */
  messages: number;
}

const LEFT = 190;
const TOP = 46;
const LOG_DOTS_PER_NODE = 1500;

export function layoutDiagram(record: RunRecord, maxArrows: number): DiagramLayout {
  const nodes = record.nodes.map((n) => n.name);
  const messages = record.trace.messages;
  const laneWidth = Math.max(110, Math.min(200, 900 / Math.max(1, nodes.length)));
  const width = LEFT + laneWidth * nodes.length + 40;
  const endMs = Math.max(record.durationMs, ...messages.map((m) => m.tMs + m.delayMs), 1);
  const height = Math.round(Math.min(4000, Math.max(700, endMs * 0.3)));
  const y = (ms: number): number => TOP + (Math.max(0, ms) / endMs) * (height - TOP - 20);
  const x = (node: string): number => {
    const i = nodes.indexOf(node);
    return LEFT + laneWidth * (i < 0 ? nodes.length : i) + laneWidth / 2;
  };
  const linkEnds = new Map(record.schedule.links.map((l) => [l.name, l]));
  const ends = (link: string): { from: string; to: string } => {
    const l = linkEnds.get(link);
    if (l) return l;
    const [from = link, to = link] = link.split('->');
    return { from, to };
  };

  const tickStep = niceStep(endMs / 12);
  const ticks: DiagramLayout['ticks'] = [];
  for (let t = 0; t <= endMs; t += tickStep) ticks.push({ y: y(t), tMs: t, decimals: tickStep < 100 ? 2 : tickStep < 1000 ? 1 : 0 });

  const bands = partitions(record, endMs).map((b) => ({ x: LEFT, y: y(b.from), width: laneWidth * nodes.length, height: Math.max(2, y(b.to) - y(b.from)), text: b.text }));

  const stepLabels: DiagramLayout['stepLabels'] = [];
  let labelY = 0;
  for (const s of [...record.stepsRun].sort((a, b) => a.tMs - b.tMs)) {
    labelY = Math.max(y(s.tMs) - 3, labelY + 13);
    stepLabels.push({ labelY, y: y(s.tMs), text: s.text });
  }

  const lanes = record.nodes.map((n) => ({
    node: n.name,
    x: x(n.name),
    runs: n.runs.map((run) => ({ run, y1: y(run.startedMs), y2: y(run.end?.tMs ?? endMs), ...(run.end ? { end: { y: y(run.end.tMs), kind: endKind(run.end) } } : {}) })),
  }));

  const logDots = record.nodes.flatMap((n) => n.lines.slice(0, LOG_DOTS_PER_NODE).map((line) => ({ node: n.name, x: x(n.name) + 7, y: y(line.tMs), line })));

  const arrows = pickArrows(messages, maxArrows).map((m): Arrow => {
    const { from, to } = ends(m.link);
    const [src, dst] = m.dir === 'forward' ? [from, to] : [to, from];
    const x1 = x(src);
    const x2 = x(dst);
    const y1 = y(m.tMs);
    const y2 = Math.max(y(m.tMs + Math.max(m.delayMs, 0)), y1 + 3);
    if (m.kind === 'dropped' || m.kind === 'blocked' || m.kind === 'stalled') return { message: m, x1, y1, x2, y2, cut: { x: x1 + (x2 - x1) * 0.55, y: y1 + (y2 - y1) * 0.55 + 2 } };
    return { message: m, x1, y1, x2, y2 };
  });
  const connections = record.trace.connections.map((event) => ({ event, x: x(ends(event.link).from) - 7, y: y(event.tMs) }));

  return { width, height, top: TOP, left: LEFT, laneWidth, endMs, ticks, lanes, bands, stepLabels, logDots, arrows, connections, messages: messages.length };
}

/** A kill or restart step: fault injection; the scenario's end: stopped; otherwise by itself. */
export function endKind(end: NonNullable<NodeRun['end']>): EndKind {
  if (end.stoppedBy === 'step') return 'killed';
  if (end.stoppedBy === 'end') return 'stopped';
  if (end.stoppedBy === undefined && end.signal === null && end.code === 0) return 'exited';
  return 'crashed';
}

/** Partitions in force: from a partition step to the next heal or partition (the proxy keeps one). */
export function partitions(record: Pick<RunRecord, 'stepsRun'>, endMs: number): { from: number; to: number; text: string }[] {
  const bands: { from: number; to: number; text: string }[] = [];
  let open: { tMs: number; text: string } | undefined;
  for (const s of record.stepsRun) {
    if (s.kind !== 'partition' && s.kind !== 'heal') continue;
    if (open) bands.push({ from: open.tMs, to: s.tMs, text: open.text });
    open = s.kind === 'partition' ? { tMs: s.tMs, text: s.text.replace(/^[^:]*:\s*/, '') } : undefined;
  }
  if (open) bands.push({ from: open.tMs, to: endMs, text: `${open.text} (never healed)` });
  return bands;
}

/** All messages when they fit; otherwise the interesting ones first, then evenly spaced delivered ones. */
export function pickArrows(messages: readonly TraceMessage[], max: number): TraceMessage[] {
  if (messages.length <= max) return [...messages];
  const interesting = messages.filter((m) => m.kind !== 'delivered').slice(0, max);
  const room = max - interesting.length;
  const plain = messages.filter((m) => m.kind === 'delivered');
  const every = room > 0 ? plain.length / room : Infinity;
  const sampled = room > 0 ? Array.from({ length: Math.min(room, plain.length) }, (_, i) => plain[Math.floor(i * every)]!) : [];
  return [...interesting, ...sampled].sort((a, b) => a.tMs - b.tMs);
}

/** 1, 2 or 5 times a power of ten, at least `raw`. */
export function niceStep(raw: number): number {
  const p = 10 ** Math.floor(Math.log10(Math.max(raw, 1)));
  for (const m of [1, 2, 5, 10]) if (m * p >= raw) return m * p;
  return 10 * p;
}
