/**
 * The geometry of the run report's space-time (Lamport) diagram, from a run record: one lane per
 * node (x), time flowing down (y, one scale for the whole run), the time grid, partitions as
 * bands from the partition step to the heal, the step labels in the left margin, each node's
 * lifelines with their start and end marks, log dots, and one arrow per message from when the
 * proxy read it to when it was delivered. Pure: numbers and the record's own entries, no HTML
 * (spacetime-svg.ts draws it).
 */
import type { ConnEvent, NodeRun, OutputLine, StateChange, TraceMessage } from '../scenario/run-record.js';

/**
 * What the diagram draws. A scenario's RunRecord is one; a go test's rpc record
 * (src/gotest/rpc-run-record.ts) is the other, which adds the peers' states (term, leader) and
 * the stretches a peer was cut off, and may start later than 0 (a long trace keeps its end).
 */
export interface DiagramInput {
  nodes: readonly { name: string; runs: readonly NodeRun[]; lines: readonly OutputLine[] }[];
  trace: { messages: readonly TraceMessage[]; connections: readonly ConnEvent[] };
  durationMs: number;
  stepsRun: readonly { tMs: number; kind: string; text: string }[];
  schedule: { links: readonly { name: string; from: string; to: string }[] };
  states?: readonly StateChange[];
  laneBands?: readonly { node: string; fromMs: number; toMs: number; text: string }[];
  /** The diagram's first moment (default 0). */
  startMs?: number;
}

/** A stretch of one lane in one state: leaders are drawn as a bar, two leaders of one term in red. */
export interface RoleSpan {
  node: string;
  x: number;
  y1: number;
  y2: number;
  term: number;
  leader: boolean;
  /** Another peer also said it led this term. */
  conflict: boolean;
}

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
  lanes: { node: string; x: number; runs: { run: NodeRun; y1: number; y2: number; end?: { y: number; kind: EndKind }; startedBefore?: true }[] }[];
  bands: { x: number; y: number; width: number; height: number; text: string }[];
  /** Step labels: the text at `labelY` (pushed down when steps are close), pointing at `y`. */
  stepLabels: { labelY: number; y: number; text: string }[];
  logDots: { node: string; x: number; y: number; line: OutputLine }[];
  arrows: Arrow[];
  connections: { event: ConnEvent; x: number; y: number }[];
  /** Messages in the record (arrows.length of them are drawn). */
  messages: number;
  /** Term and role per lane (rpc records), a label where each changes, and terms with two or more leaders. */
  roles: RoleSpan[];
  stateLabels: { node: string; x: number; y: number; text: string; conflict: boolean }[];
  conflicts: { term: number; nodes: string[]; y: number }[];
  /** Stretches a node was cut off (rpc records: `disconnect i`). */
  laneBands: { node: string; x: number; y: number; width: number; height: number; text: string }[];
}

const LEFT = 190;
const TOP = 46;
const LOG_DOTS_PER_NODE = 1500;

export function layoutDiagram(record: DiagramInput, maxArrows: number): DiagramLayout {
  const nodes = record.nodes.map((n) => n.name);
  const messages = record.trace.messages;
  const laneWidth = Math.max(110, Math.min(200, 900 / Math.max(1, nodes.length)));
  const width = LEFT + laneWidth * nodes.length + 40;
  const startMs = Math.max(0, record.startMs ?? 0);
  // A loop, not Math.max(...messages): a proxy trace keeps up to 200,000 messages, more than a call's arguments.
  const endMs = messages.reduce((end, m) => Math.max(end, m.tMs + m.delayMs), Math.max(record.durationMs, startMs + 1));
  const spanMs = endMs - startMs;
  const height = Math.round(Math.min(4000, Math.max(700, spanMs * 0.3)));
  const y = (ms: number): number => TOP + (Math.max(0, ms - startMs) / spanMs) * (height - TOP - 20);
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

  const tickStep = niceStep(spanMs / 12);
  const ticks: DiagramLayout['ticks'] = [];
  for (let t = Math.ceil(startMs / tickStep) * tickStep; t <= endMs; t += tickStep) ticks.push({ y: y(t), tMs: t, decimals: tickStep < 100 ? 2 : tickStep < 1000 ? 1 : 0 });

  const bands = partitions(record, endMs)
    .filter((b) => b.to >= startMs)
    .map((b) => ({ x: LEFT, y: y(b.from), width: laneWidth * nodes.length, height: Math.max(2, y(b.to) - y(b.from)), text: b.text }));

  const stepLabels: DiagramLayout['stepLabels'] = [];
  let labelY = 0;
  for (const s of [...record.stepsRun].filter((st) => st.tMs >= startMs).sort((a, b) => a.tMs - b.tMs)) {
    labelY = Math.max(y(s.tMs) - 3, labelY + 13);
    stepLabels.push({ labelY, y: y(s.tMs), text: s.text });
  }

  const lanes = record.nodes.map((n) => ({
    node: n.name,
    x: x(n.name),
    runs: n.runs
      .filter((run) => (run.end?.tMs ?? endMs) >= startMs)
      // A run that started before the diagram does has no start mark (its lifeline comes from the top).
      .map((run) => ({ run, y1: y(run.startedMs), y2: y(run.end?.tMs ?? endMs), ...(run.end ? { end: { y: y(run.end.tMs), kind: endKind(run.end) } } : {}), ...(run.startedMs < startMs ? { startedBefore: true as const } : {}) })),
  }));

  const logDots = record.nodes.flatMap((n) => n.lines.filter((l) => l.tMs >= startMs).slice(0, LOG_DOTS_PER_NODE).map((line) => ({ node: n.name, x: x(n.name) + 7, y: y(line.tMs), line })));

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

  const laneBands = (record.laneBands ?? [])
    .filter((b) => b.toMs >= startMs && nodes.includes(b.node))
    .map((b) => ({ node: b.node, x: x(b.node) - laneWidth / 2 + 6, y: y(b.fromMs), width: laneWidth - 12, height: Math.max(2, y(b.toMs) - y(b.fromMs)), text: b.text }));

  return { width, height, top: TOP, left: LEFT, laneWidth, endMs, ticks, lanes, bands, stepLabels, logDots, arrows, connections, messages: messages.length, ...roleLayout(record.states ?? [], nodes, startMs, endMs, x, y), laneBands };
}

/**
 * Each lane's states as spans (the state in force at `startMs` from the top), a label at each
 * change (pushed down when changes are close), and the terms two or more peers said they led.
 */
export function roleLayout(
  states: readonly StateChange[],
  nodes: readonly string[],
  startMs: number,
  endMs: number,
  x: (node: string) => number,
  y: (ms: number) => number,
): Pick<DiagramLayout, 'roles' | 'stateLabels' | 'conflicts'> {
  const leadersOf = new Map<number, string[]>();
  for (const s of states) {
    if (!s.leader) continue;
    const l = leadersOf.get(s.term) ?? [];
    if (!l.includes(s.node)) l.push(s.node);
    leadersOf.set(s.term, l);
  }
  const conflictTerms = new Set([...leadersOf].filter(([, l]) => l.length > 1).map(([t]) => t));
  const roles: RoleSpan[] = [];
  const stateLabels: DiagramLayout['stateLabels'] = [];
  for (const node of nodes) {
    const mine = states.filter((s) => s.node === node).sort((a, b) => a.tMs - b.tMs);
    let labelY = 0;
    mine.forEach((s, i) => {
      const until = mine[i + 1]?.tMs ?? endMs;
      if (until < startMs) return;
      const from = Math.max(s.tMs, startMs);
      const conflict = s.leader && conflictTerms.has(s.term);
      roles.push({ node, x: x(node), y1: y(from), y2: y(until), term: s.term, leader: s.leader, conflict });
      labelY = Math.max(y(from) + 4, labelY + 12);
      stateLabels.push({ node, x: x(node) + 8, y: labelY, text: `T${s.term}${s.leader ? ' leader' : ''}`, conflict });
    });
  }
  const conflicts = [...conflictTerms].sort((a, b) => a - b).map((term) => {
    const first = Math.max(startMs, Math.min(...states.filter((s) => s.leader && s.term === term).map((s) => s.tMs)));
    return { term, nodes: leadersOf.get(term)!, y: y(first) };
  });
  return { roles, stateLabels, conflicts };
}

/** A kill or restart step: fault injection; the scenario's end: stopped; otherwise by itself. */
export function endKind(end: NonNullable<NodeRun['end']>): EndKind {
  if (end.stoppedBy === 'step') return 'killed';
  if (end.stoppedBy === 'end') return 'stopped';
  if (end.stoppedBy === undefined && end.signal === null && end.code === 0) return 'exited';
  return 'crashed';
}

/** Partitions in force: from a partition step to the next heal or partition (the proxy keeps one). */
export function partitions(record: Pick<DiagramInput, 'stepsRun'>, endMs: number): { from: number; to: number; text: string }[] {
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
