/**
 * Draws the space-time diagram's layout (spacetime-layout.ts) as inline SVG for the run report:
 * the shapes, their classes and data attributes (the browser test reads them), and a hover title
 * on every arrow, dot and mark. No scripts.
 */
import { MESSAGE_KINDS, type MessageKind } from '../scenario/run-record.js';
import { formatSeconds } from './format.js';
import { esc } from './html.js';
import type { Arrow, DiagramLayout, EndKind } from './spacetime-layout.js';

export const MESSAGE_KIND_TEXT: Record<MessageKind, string> = {
  delivered: 'delivered at once',
  delayed: 'delivered late (delay, jitter or bandwidth)',
  dropped: 'dropped (lost, or discarded by a full bandwidth queue)',
  duplicated: 'duplicated (delivered twice)',
  blocked: 'blocked by a partition (UDP: lost; TCP: held until the heal)',
  stalled: 'stalled (TCP bytes held by a stall rule)',
  reordered: 'held back and reordered',
  corrupted: 'corrupted, truncated or lengthened',
};

/** The kinds a go test's rpc trace can hold (forward, delay, drop, block): what its legend shows. */
export const RPC_MESSAGE_KINDS: readonly MessageKind[] = ['delivered', 'delayed', 'dropped', 'blocked'];

/** The same kinds in the words of the rpc network of a go test (src/gotest/rpc-run-record.ts). */
export const RPC_MESSAGE_KIND_TEXT: Record<MessageKind, string> = {
  ...MESSAGE_KIND_TEXT,
  delivered: 'delivered at once',
  delayed: 'delivered late (the network delayed it)',
  dropped: 'lost by the unreliable network (a lost reply: the handler ran)',
  blocked: 'not delivered: the end is disabled (peer cut off), connected to nowhere, or the server was deleted',
};

const KIND_COLOR: Record<MessageKind, string> = { delivered: '#1a7f37', delayed: '#0969da', dropped: '#cf222e', duplicated: '#8250df', blocked: '#9a6700', stalled: '#bc4c00', reordered: '#bf3989', corrupted: '#6e7781' };

const END_TEXT: Record<EndKind, string> = {
  killed: 'killed by the scenario (fault injection)',
  stopped: 'stopped by dsgrade when the scenario ended',
  exited: 'exited by itself',
  crashed: 'crashed or exited with an error',
};

/** The diagram as one <svg>, and a note when only some of the messages are drawn. */
/** `id`: the svg's id (a page with a second, enlarged diagram gives it another); arrow heads are named after it. */
export function renderDiagram(d: DiagramLayout, kindText: Record<MessageKind, string> = MESSAGE_KIND_TEXT, id = 'spacetime'): { svg: string; note: string } {
  const head = (k: MessageKind): string => (id === 'spacetime' ? `a-${k}` : `${id}-a-${k}`);
  const parts: string[] = [];
  for (const t of d.ticks) {
    parts.push(`<line class="tick" x1="${d.left - 10}" y1="${t.y}" x2="${d.width - 10}" y2="${t.y}"/><text x="${d.left - 14}" y="${t.y + 4}" text-anchor="end" fill="#57606a">${(t.tMs / 1000).toFixed(t.decimals)}s</text>`);
  }
  for (const b of d.bands) {
    parts.push(
      `<g class="partition-band"><rect class="partition" x="${b.x}" y="${b.y}" width="${b.width}" height="${b.height}"><title>${esc(b.text)}</title></rect><text class="parttext" x="${d.width - 14}" y="${b.y + 13}" text-anchor="end">⚡ ${esc(b.text.slice(0, 60))}</text></g>`,
    );
  }
  for (const b of d.laneBands) {
    parts.push(`<rect class="cutoff" data-node="${esc(b.node)}" x="${b.x}" y="${b.y}" width="${b.width}" height="${b.height}"><title>${esc(b.text)}</title></rect>`);
  }
  for (const s of d.stepLabels) {
    parts.push(
      `<g class="step"><line class="stepline" x1="6" y1="${s.labelY + 3}" x2="${d.left - 46}" y2="${s.y}"/><line class="stepline" x1="${d.left - 46}" y1="${s.y}" x2="${d.left}" y2="${s.y}"/><text class="steptext" x="6" y="${s.labelY}">${esc(shorten(s.text, 30))}<title>${esc(s.text)}</title></text></g>`,
    );
  }
  for (const lane of d.lanes) {
    const { node: n, x: cx } = lane;
    parts.push(`<text class="lane" data-node="${esc(n)}" x="${cx}" y="${d.top - 22}" text-anchor="middle" font-weight="600">${esc(n)}</text>`);
    parts.push(`<line class="down" x1="${cx}" y1="${d.top}" x2="${cx}" y2="${d.height - 10}"/>`);
    for (const { run, y1, y2, end, startedBefore } of lane.runs) {
      // pid 0: a peer inside the test's process (a go test's rpc trace), not a process of its own.
      const started = run.pid > 0 ? `${n} started #${run.incarnation} (pid ${run.pid}, port ${run.port}): ${run.args.join(' ')}` : `peer ${n}`;
      if (!startedBefore) parts.push(`<circle class="start" cx="${cx}" cy="${y1}" r="4"><title>${esc(started)} at ${formatSeconds(run.startedMs)}</title></circle>`);
      parts.push(`<line class="life" x1="${cx}" y1="${y1}" x2="${cx}" y2="${y2}"/>`);
      if (!end || !run.end) continue;
      const x = run.end;
      const how = `#${run.incarnation} ${x.signal ? `killed by ${x.signal}` : `exited with code ${x.code}`}${x.stoppedBy ? ' (by dsgrade)' : ''}`;
      const what = x.stoppedBy === 'flood' ? 'killed by dsgrade: it printed more than its output limit' : END_TEXT[end.kind];
      parts.push(`<g class="node-end ${end.kind}" data-node="${esc(n)}">${endMark(end.kind, cx, end.y)}<title>${esc(`${n} ${how} — ${what}`)} at ${formatSeconds(x.tMs)}</title></g>`);
    }
  }
  for (const r of d.roles) {
    if (!r.leader) continue;
    parts.push(
      `<rect class="role leader${r.conflict ? ' conflict' : ''}" data-node="${esc(r.node)}" data-term="${r.term}" x="${r.x - 4}" y="${r.y1}" width="8" height="${Math.max(2, r.y2 - r.y1)}"><title>${esc(`peer ${r.node} said it was the leader of term ${r.term}${r.conflict ? ' — and so did another peer: two leaders in one term' : ''}`)}</title></rect>`,
    );
  }
  for (const dot of d.logDots) {
    parts.push(`<circle class="logdot${dot.line.stream === 'stderr' ? ' stderr' : ''}" cx="${dot.x}" cy="${dot.y}" r="2"><title>${esc(`${formatSeconds(dot.line.tMs)} ${dot.node}: ${dot.line.text.slice(0, 200)}`)}</title></circle>`);
  }
  for (const a of d.arrows) parts.push(arrow(a, kindText, head));
  for (const l of d.stateLabels) {
    parts.push(`<text class="state${l.conflict ? ' conflict' : ''}" data-node="${esc(l.node)}" x="${l.x}" y="${l.y}">${esc(l.text)}</text>`);
  }
  for (const c of d.conflicts) {
    const text = `⚠ ${c.nodes.length === 2 ? 'two' : String(c.nodes.length)} leaders in term ${c.term}: peers ${c.nodes.join(' and ')}`;
    parts.push(`<g class="conflict-mark" data-term="${c.term}"><line class="conflictline" x1="${d.left}" y1="${c.y}" x2="${d.width - 10}" y2="${c.y}"/><text class="conflicttext" x="${d.width - 14}" y="${c.y - 4}" text-anchor="end">${esc(text)}</text></g>`);
  }
  for (const c of d.connections) {
    const e = c.event;
    parts.push(`<circle class="conn" data-action="${e.action}" cx="${c.x}" cy="${c.y}" r="3.5"><title>${esc(`${e.link} connection #${e.conn}: ${e.action} at ${formatSeconds(e.tMs)}`)}</title></circle>`);
  }
  const markers = MESSAGE_KINDS.map((k) => `<marker id="${head(k)}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="${KIND_COLOR[k]}"/></marker>`).join('');
  const drawn = d.arrows.length;
  const svg = `<svg class="st" id="${id}" role="img" aria-label="space-time diagram" data-messages="${d.messages}" data-drawn="${drawn}" width="${d.width}" height="${d.height}" viewBox="0 0 ${d.width} ${d.height}" xmlns="http://www.w3.org/2000/svg"><defs>${markers}</defs>${parts.join('\n')}</svg>`;
  const note = drawn < d.messages ? `Showing ${drawn} of ${d.messages} messages: every message the network interfered with first, then delivered ones evenly spread over the run. The counts above cover all of them.` : '';
  return { svg, note };
}

function endMark(kind: EndKind, cx: number, cy: number): string {
  const cross = `<path class="crash" d="M${cx - 6},${cy - 6} l12,12 m0,-12 l-12,12"/>`;
  switch (kind) {
    case 'killed':
      return cross;
    case 'stopped':
      return `<rect class="stop" x="${cx - 4}" y="${cy - 4}" width="8" height="8"/>`;
    case 'exited':
      return `<circle class="stop" cx="${cx}" cy="${cy}" r="4"/>`;
    case 'crashed':
      return `${cross}<text x="${cx + 9}" y="${cy + 4}" fill="#cf222e" font-weight="600">crash</text>`;
  }
}

function arrow({ message: m, x1, y1, x2, y2, cut }: Arrow, kindText: Record<MessageKind, string>, head: (k: MessageKind) => string): string {
  const label = `${m.method ? `${m.method} ${m.dir === 'forward' ? 'request' : 'reply'} ` : ''}${m.link} ${m.dir} #${m.seq}, ${m.size} bytes at ${formatSeconds(m.tMs)}: ${m.actions.join(' → ')}${m.delayMs ? ` (${m.delayMs.toFixed(1)} ms)` : ''} — ${kindText[m.kind]}`;
  const attrs = `class="msg k-${m.kind}" data-kind="${m.kind}" data-link="${esc(m.link)}" data-dir="${m.dir}" data-seq="${m.seq}"`;
  let shape: string;
  if (cut) {
    const mark = m.kind === 'dropped' ? `M${cut.x - 4},${cut.y - 4} l8,8 m0,-8 l-8,8` : `M${cut.x},${cut.y - 5} l0,10`;
    shape = `<line x1="${x1}" y1="${y1}" x2="${cut.x}" y2="${cut.y}"/><path class="x" d="${mark}"/>`;
  } else if (m.kind === 'duplicated') {
    shape = `<line x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2}" marker-end="url(#${head('duplicated')})"/><line x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2 + 5}" marker-end="url(#${head('duplicated')})"/>`;
  } else {
    shape = `<line x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2}" marker-end="url(#${head(m.kind)})"/>`;
  }
  return `<g ${attrs}><title>${esc(label)}</title>${shape}</g>`;
}

function shorten(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}
