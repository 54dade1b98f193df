/**
 * Reads the faultnet proxy's trace (proxy-trace.jsonl, docs/faults.md#trace: JSON lines, `t` in µs
 * since the proxy started) once, into what the run record keeps (one entry per message, reduced to
 * what the network did to it, and the TCP connection events) and the timeline's summary (one line
 * per second, link and direction with the count of each proxy action, e.g. "c1->server reverse
 * during [3s, 4s): forward×120 block×5"). Only the first MAX_TRACE_BYTES are read.
 */
import { createReadStream, promises as fs } from 'node:fs';
import { createInterface } from 'node:readline';
import { MESSAGE_KINDS, type ConnEvent, type MessageKind, type ProxyTrace, type TimelineEvent, type TraceMessage } from './run-record.js';

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
const MAX_TRACE_BYTES = 256 * 1024 * 1024;

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

/**
 * The trace of `file` as messages and per-second summary lines. `offsetMs` is when the proxy's
 * clock started, on the scenario clock. A missing file is an empty trace.
 */
export async function readProxyTrace(file: string, offsetMs: number): Promise<{ trace: ProxyTrace; summary: TimelineEvent[] }> {
  const byKey = new Map<string, TraceMessage>();
  const connections: ConnEvent[] = [];
  const buckets = new Map<string, { tMs: number; link: string; dir: string; actions: Map<string, number> }>();
  let size = 0;
  try {
    size = (await fs.stat(file)).size;
  } catch {
    return { trace: { messages: [], connections, counts: zeroCounts(), truncated: false }, summary: [] };
  }
  let truncated = size > MAX_TRACE_BYTES;
  const rl = createInterface({ input: createReadStream(file, { end: Math.min(size, MAX_TRACE_BYTES) }) });
  for await (const line of rl) {
    let r: TraceRecord;
    try {
      r = JSON.parse(line) as TraceRecord;
    } catch {
      continue;
    }
    if (r.t === undefined || !r.link || !r.action) continue;
    const tMs = offsetMs + r.t / 1000;
    countInBucket(buckets, tMs, r.link, r.dir ?? '', r.action);
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
  const summary: TimelineEvent[] = [...buckets.values()].map((b) => ({
    tMs: b.tMs,
    source: 'proxy',
    text: `${b.link} ${b.dir} during [${b.tMs / 1000}s, ${b.tMs / 1000 + 1}s): ${[...b.actions].map(([a, n]) => `${a}×${n}`).join(' ')}`,
  }));
  if (size > MAX_TRACE_BYTES) summary.push({ tMs: Number.MAX_SAFE_INTEGER, source: 'proxy', text: `(trace summary covers the first ${MAX_TRACE_BYTES} bytes only)` });
  return { trace: { messages, connections, counts, truncated }, summary };
}

function countInBucket(buckets: Map<string, { tMs: number; link: string; dir: string; actions: Map<string, number> }>, tMs: number, link: string, dir: string, action: string): void {
  const sec = Math.floor(tMs / 1000);
  const key = `${sec}|${link}|${dir}`;
  let b = buckets.get(key);
  if (!b) {
    b = { tMs: Math.max(0, sec * 1000), link, dir, actions: new Map() };
    buckets.set(key, b);
  }
  b.actions.set(action, (b.actions.get(action) ?? 0) + 1);
}

function zeroCounts(): Record<MessageKind, number> {
  return Object.fromEntries(MESSAGE_KINDS.map((k) => [k, 0])) as Record<MessageKind, number>;
}
