/**
 * The artifacts of one scenario run, and the merged timeline: dsgrade's own events (steps, node
 * starts and exits, expectation results) interleaved with the proxy's decisions, summarised per
 * second, link and direction from its JSON-lines trace. Layout (docs/scenarios.md):
 *
 *   <dir>/seed.txt  rerun.txt  timeline.txt  result.json  pids.json  plan.json
 *   <dir>/proxy-trace.jsonl  proxy.stderr.log  nodes/<node>.stdout.log  nodes/<node>.stderr.log
 */
import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';

export interface TimelineEvent {
  tMs: number;
  source: string;
  text: string;
}

export class Timeline {
  readonly events: TimelineEvent[] = [];
  constructor(private readonly now: () => number) {}

  add(source: string, text: string, tMs = this.now()): void {
    this.events.push({ tMs, source, text });
  }

  render(extra: readonly TimelineEvent[] = []): string {
    const all = [...this.events, ...extra].sort((a, b) => a.tMs - b.tMs);
    return all.map((e) => `${formatTime(e.tMs)}  ${e.source.padEnd(10)} ${e.text}`).join('\n') + '\n';
  }

  /** The last n dsgrade events (no proxy lines), for the student's output. */
  tail(n: number): string[] {
    return this.events.slice(-n).map((e) => `${formatTime(e.tMs)}  ${e.source.padEnd(10)} ${e.text}`);
  }
}

export function formatTime(ms: number): string {
  return `${(ms / 1000).toFixed(3).padStart(8)}s`;
}

export function artifactPaths(dir: string) {
  return {
    dir,
    nodes: path.join(dir, 'nodes'),
    seed: path.join(dir, 'seed.txt'),
    rerun: path.join(dir, 'rerun.txt'),
    timeline: path.join(dir, 'timeline.txt'),
    result: path.join(dir, 'result.json'),
    pids: path.join(dir, 'pids.json'),
    plan: path.join(dir, 'plan.json'),
    trace: path.join(dir, 'proxy-trace.jsonl'),
    proxyStderr: path.join(dir, 'proxy.stderr.log'),
    nodeFile: (node: string, stream: 'stdout' | 'stderr') => path.join(dir, 'nodes', `${node}.${stream}.log`),
  };
}
export type ArtifactPaths = ReturnType<typeof artifactPaths>;

const MAX_TRACE_BYTES = 256 * 1024 * 1024;

/**
 * One timeline line per (second, link, direction) with the count of each proxy action, e.g.
 * "c1->server reverse: forward×120 delay×3 block×5". `offsetMs` is when the proxy started,
 * relative to the scenario start.
 */
export async function summarizeTrace(traceFile: string, offsetMs: number): Promise<TimelineEvent[]> {
  let size = 0;
  try {
    size = (await fs.stat(traceFile)).size;
  } catch {
    return [];
  }
  const buckets = new Map<string, { tMs: number; link: string; dir: string; actions: Map<string, number> }>();
  const rl = createInterface({ input: createReadStream(traceFile, { end: Math.min(size, MAX_TRACE_BYTES) }) });
  for await (const line of rl) {
    let r: { t?: number; link?: string; dir?: string; action?: string };
    try {
      r = JSON.parse(line) as typeof r;
    } catch {
      continue;
    }
    if (r.t === undefined || !r.link || !r.action) continue;
    const sec = Math.floor((offsetMs + r.t / 1000) / 1000);
    const key = `${sec}|${r.link}|${r.dir ?? ''}`;
    let b = buckets.get(key);
    if (!b) {
      b = { tMs: Math.max(0, sec * 1000), link: r.link, dir: r.dir ?? '', actions: new Map() };
      buckets.set(key, b);
    }
    b.actions.set(r.action, (b.actions.get(r.action) ?? 0) + 1);
  }
  const events = [...buckets.values()].map((b) => ({
    tMs: b.tMs,
    source: 'proxy',
    text: `${b.link} ${b.dir} during [${b.tMs / 1000}s, ${b.tMs / 1000 + 1}s): ${[...b.actions].map(([a, n]) => `${a}×${n}`).join(' ')}`,
  }));
  if (size > MAX_TRACE_BYTES) events.push({ tMs: Number.MAX_SAFE_INTEGER, source: 'proxy', text: `(trace summary covers the first ${MAX_TRACE_BYTES} bytes only)` });
  return events;
}

export async function writeJson(file: string, value: unknown): Promise<void> {
  await fs.writeFile(file, `${JSON.stringify(value, null, 2)}\n`);
}
