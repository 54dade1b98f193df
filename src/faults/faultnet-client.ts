/**
 * Drives one faultnet proxy process (harness/cmd/faultnet) over its JSON-lines control channel on
 * stdin/stdout (docs/faults.md). The proxy runs in its own process group, registered so that an
 * interrupt kills it; it also exits by itself when its stdin closes, so it never outlives dsgrade.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import path from 'node:path';
import { DsgradeError } from '../errors.js';
import type { Backend, NodeHandle } from '../sandbox/backend.js';
import type { Faults, Proto } from '../core/net.js';

/** A structured error reply from the proxy (code is faultnet's, e.g. INVALID_ARGUMENT), or a dead proxy. */
export class FaultnetError extends DsgradeError {
  readonly replyCode: string;
  constructor(replyCode: string, message: string, cause?: unknown) {
    super('TOOL_FAILED', `fault proxy request failed: ${message}`, {
      fix: replyCode === 'PROXY_EXITED' ? 'the proxy stopped; its stderr is in the scenario artifacts (proxy.stderr.log)' : 'this is a bug in dsgrade or in the scenario; see docs/faults.md',
      cause,
    });
    this.name = 'FaultnetError';
    this.replyCode = replyCode;
  }
}

export interface LinkInfo {
  name: string;
  proto: Proto;
  from: string;
  to: string;
  target: string;
  listen: string;
}

export interface DirectionStats {
  received: number;
  forwarded: number;
  dropped: number;
  blocked: number;
  delayed: number;
  duplicated: number;
  reordered: number;
  corrupted: number;
  truncated: number;
  lengthened: number;
  overflow: number;
  stalled: number;
  errors: number;
  bytesIn: number;
  bytesOut: number;
  connections?: number;
  resets?: number;
  closes?: number;
  /** When (ns on the proxy's clock) this direction last passed a message on; 0 if never. */
  lastSentNs: number;
  partitioned: boolean;
  faults: Faults;
}

/** The reply to partition and heal: the change is in force; `atNs` is when it took effect (docs/faults.md). */
export interface PartitionReply {
  blocked: [string, string][];
  directions: number;
  atNs: number;
}

export interface LinkStats extends LinkInfo {
  forward: DirectionStats;
  reverse: DirectionStats;
}

export interface FaultnetOptions {
  /** Where the proxy runs: beside the nodes (its own process group locally, the run container under Docker). */
  backend: Backend;
  binary: string;
  /** Decimal uint64. */
  seed: string;
  traceFile?: string;
  /** The proxy's stderr goes here. */
  stderrFile?: string;
}

interface Pending {
  resolve(v: unknown): void;
  reject(e: Error): void;
}

export class FaultnetClient {
  readonly pid: number;
  /**
   * performance.now() at the proxy's time 0 (trace times, atNs, lastSentNs count from it), from
   * the proxy's clock in its first reply, taken halfway through that round trip.
   */
  clockOrigin: number;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private exitInfo: string | undefined;
  readonly exited: Promise<void>;

  private constructor(private readonly child: NodeHandle, startedAt: number) {
    this.pid = child.pid;
    this.clockOrigin = startedAt;
    this.exited = child.exited.then(({ code, signal }) => {
      this.exitInfo = signal ? `killed by ${signal}` : `exited with code ${code}`;
      for (const p of this.pending.values()) p.reject(new FaultnetError('PROXY_EXITED', `the proxy ${this.exitInfo}`));
      this.pending.clear();
    });
  }

  /** Starts the proxy and checks it answers (`info`); throws FaultnetError when it cannot. */
  static async start(opts: FaultnetOptions): Promise<FaultnetClient> {
    const args = ['-seed', opts.seed, ...(opts.traceFile ? ['-trace', opts.traceFile] : []), '-control', 'stdio'];
    const startedAt = performance.now();
    const stderr: WriteStream | undefined = opts.stderrFile ? createWriteStream(opts.stderrFile) : undefined;
    let lines = '';
    const ref: { client?: FaultnetClient } = {};
    let child: NodeHandle;
    try {
      child = await opts.backend.spawnNode({
        file: opts.binary,
        args,
        cwd: path.dirname(opts.binary),
        env: { PATH: '/usr/bin:/bin' },
        onOutput: (stream, chunk) => {
          if (stream === 'stderr') {
            stderr?.write(chunk);
            return;
          }
          lines += chunk.toString('utf8');
          let nl;
          while ((nl = lines.indexOf('\n')) >= 0) {
            const line = lines.slice(0, nl);
            lines = lines.slice(nl + 1);
            ref.client?.onLine(line);
          }
        },
      });
    } catch (err) {
      stderr?.end();
      throw new FaultnetError('SPAWN_FAILED', `could not start ${opts.binary}: ${(err as Error).message}`, err);
    }
    void child.exited.then(() => stderr?.end());
    const client = new FaultnetClient(child, startedAt);
    ref.client = client;
    try {
      const asked = performance.now();
      const info = await client.info();
      client.clockOrigin = (asked + performance.now()) / 2 - info.nowNs / 1e6;
      if (info.seed !== opts.seed) throw new FaultnetError('BAD_SEED', `the proxy uses seed ${info.seed}, not ${opts.seed}`);
    } catch (err) {
      client.kill();
      throw err;
    }
    return client;
  }

  /** One line the proxy wrote on stdout. */
  onLine(line: string): void {
    let reply: { id?: unknown; ok?: boolean; result?: unknown; error?: { code: string; message: string } };
    try {
      reply = JSON.parse(line) as typeof reply;
    } catch {
      return; // not a reply (the proxy only writes replies on stdout; be lenient)
    }
    const p = typeof reply.id === 'number' ? this.pending.get(reply.id) : undefined;
    if (!p) return;
    this.pending.delete(reply.id as number);
    if (reply.ok) p.resolve(reply.result);
    else p.reject(new FaultnetError(reply.error?.code ?? 'UNKNOWN', reply.error?.message ?? line));
  }

  request<T>(op: string, fields: Record<string, unknown> = {}, timeoutMs = 10_000): Promise<T> {
    if (this.exitInfo) return Promise.reject(new FaultnetError('PROXY_EXITED', `the proxy ${this.exitInfo}`));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new FaultnetError('TIMEOUT', `no reply to ${op} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v as T);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.child.write(`${JSON.stringify({ id, op, ...fields })}\n`);
    });
  }

  /** `nowNs` is the proxy's clock when it answered. */
  info(): Promise<{ seed: string; pid: number; trace: boolean; links: string[]; nowNs: number }> {
    return this.request('info');
  }

  addLink(spec: { name: string; proto: Proto; from: string; to: string; target: string; listen?: string }): Promise<LinkInfo> {
    return this.request('addLink', spec);
  }

  /** Resolves once the rules are in force, with the instant they took effect. */
  setFaults(link: string, faults: Faults, direction: 'forward' | 'reverse' | 'both' = 'both'): Promise<{ atNs: number }> {
    return this.request('setFaults', { link, direction, faults });
  }

  /** Resolves once the partition is in force: nothing passes a blocked direction after `atNs`. */
  partition(spec: Record<string, unknown>): Promise<PartitionReply> {
    return this.request('partition', spec);
  }

  heal(): Promise<PartitionReply> {
    return this.request('heal');
  }

  async stats(link?: string): Promise<LinkStats[]> {
    const r = await this.request<{ links: LinkStats[] }>('stats', link ? { link } : {});
    return r.links;
  }

  flushTrace(): Promise<{ records: number }> {
    return this.request('flushTrace');
  }

  /** Asks the proxy to stop (flushing its trace), then makes sure the group is gone. */
  async shutdown(timeoutMs = 3000): Promise<void> {
    try {
      await this.request('shutdown', {}, timeoutMs);
      await Promise.race([this.exited, new Promise((r) => setTimeout(r, timeoutMs))]);
    } catch {
      // Already gone or stuck: killed below.
    } finally {
      this.kill();
    }
  }

  kill(): void {
    void this.child.kill();
    this.child.closeStdin();
  }
}
