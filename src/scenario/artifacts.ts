/**
 * The artifacts of one scenario run, and the merged timeline: dsgrade's own events (steps, node
 * starts and exits, expectation results), rendered with the proxy's per-second summary
 * (proxy-trace.ts) into timeline.txt. Layout (docs/scenarios.md):
 *
 *   <dir>/seed.txt  rerun.txt  timeline.txt  result.json  pids.json  plan.json  run-record.json  report.html
 *   <dir>/proxy-trace.jsonl  proxy.stderr.log  checker.log  nodes/<node>.stdout.log  nodes/<node>.stderr.log
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { TimelineEvent } from './run-record.js';

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
    record: path.join(dir, 'run-record.json'),
    checkerLog: path.join(dir, 'checker.log'),
    /** The run report of a failed scenario (written by src/pipeline/run-report-link.ts). */
    report: path.join(dir, 'report.html'),
    trace: path.join(dir, 'proxy-trace.jsonl'),
    proxyStderr: path.join(dir, 'proxy.stderr.log'),
    nodeFile: (node: string, stream: 'stdout' | 'stderr') => path.join(dir, 'nodes', `${node}.${stream}.log`),
  };
}
export type ArtifactPaths = ReturnType<typeof artifactPaths>;

export async function writeJson(file: string, value: unknown): Promise<void> {
  await fs.writeFile(file, `${JSON.stringify(value, null, 2)}\n`);
}
