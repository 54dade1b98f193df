/**
 * Readiness strategies for a started node: its port is open, or it printed a matching line.
 * Port readiness asks the backend where the node runs (its network namespace), which reads the
 * listening sockets instead of connecting (src/sandbox/listening.ts).
 */
import type { Backend, NodeHandle } from '../sandbox/backend.js';
import type { NodeOutput } from './node-output.js';
import type { Proto } from './types.js';

export type ReadyOutcome = { ready: true; ms: number } | { ready: false; reason: string };

const POLL_MS = 20;

export async function waitReady(opts: {
  backend: Backend;
  proc: NodeHandle;
  output: NodeOutput;
  port?: { port: number; proto: Proto };
  /** A registered pattern key, and the time the incarnation started. */
  line?: { key: string; source: string; sinceMs: number };
  withinSec: number;
}): Promise<ReadyOutcome> {
  const started = performance.now();
  const deadline = started + opts.withinSec * 1000;
  let portOk = !opts.port;
  let lineOk = !opts.line;
  while (performance.now() < deadline) {
    const exited = !opts.proc.running;
    if (!portOk) portOk = await opts.backend.isListening(opts.port!.port, opts.port!.proto);
    if (!lineOk) lineOk = opts.output.seen(opts.line!.key, opts.line!.sinceMs);
    if (portOk && lineOk) return { ready: true, ms: Math.round(performance.now() - started) };
    if (exited) {
      const e = opts.proc.exitStatus;
      return { ready: false, reason: `it exited before it was ready (${e?.signal ? `signal ${e.signal}` : `exit code ${e?.code}`})` };
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  const missing = [!portOk ? `port ${opts.port!.port} was not open` : '', !lineOk ? `no line matched /${opts.line!.source}/` : ''].filter(Boolean).join(' and ');
  return { ready: false, reason: `not ready within ${opts.withinSec} s: ${missing}` };
}
