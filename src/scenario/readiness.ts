/**
 * Readiness strategies for a started node: its port is open, or it printed a matching line.
 * Port readiness reads /proc/net/{tcp,tcp6,udp,udp6} for a listening socket on the port instead of
 * connecting, because a probe connection is a client to the server under test (it would change
 * CountActive/CountDropped-style counters). Where /proc is missing it falls back to connecting.
 */
import { promises as fs } from 'node:fs';
import net from 'node:net';
import { currentBackend, type NodeHandle } from '../sandbox/backend.js';
import type { NodeOutput } from './node-output.js';
import type { Proto } from './types.js';

export type ReadyOutcome = { ready: true; ms: number } | { ready: false; reason: string };

const POLL_MS = 20;

export async function isListening(port: number, proto: Proto): Promise<boolean> {
  // Under the Docker backend the nodes listen in the sandbox container's network namespace.
  const backend = currentBackend();
  if (backend) return backend.isListening(port, proto);
  const files = proto === 'tcp' ? ['/proc/net/tcp', '/proc/net/tcp6'] : ['/proc/net/udp', '/proc/net/udp6'];
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  let readable = false;
  for (const f of files) {
    let text: string;
    try {
      text = await fs.readFile(f, 'utf8');
      readable = true;
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      // sl local_address rem_address st …; TCP LISTEN is 0A, an unconnected UDP socket is 07.
      if (cols[1]?.endsWith(`:${hex}`) && cols[3] === (proto === 'tcp' ? '0A' : '07')) return true;
    }
  }
  if (readable || proto === 'udp') return false;
  return new Promise((resolve) => {
    const sock = net.connect({ host: '127.0.0.1', port }, () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('error', () => resolve(false));
  });
}

export async function waitReady(opts: {
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
    if (!portOk) portOk = await isListening(opts.port!.port, opts.port!.proto);
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
