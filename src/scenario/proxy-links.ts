/**
 * The scenario's fault proxy: one faultnet process (src/faults/faultnet-client.ts) with one proxy
 * link per planned link, each listening on a leased port and forwarding to its target node's
 * port. Applies the steps' changes (partition, heal, setFaults), answers the delivery waits from
 * the proxy's own counters, and at the end puts each link's totals on the timeline and stops it.
 */
import { FaultnetClient, FaultnetError, type PartitionReply } from '../faults/faultnet-client.js';
import type { ArtifactPaths, Timeline } from './artifacts.js';
import type { ScenarioClock } from './clock.js';
import { HarnessFailure } from './failures.js';
import type { DeliveryPair, PartitionRequest, PlannedLink } from './plan.js';
import { leasePort, type PortLease } from './ports.js';
import type { ProxyControl } from './step-context.js';
import type { Faults } from './types.js';
import type { Backend } from '../sandbox/backend.js';

/** How often a wait on the proxy's deliveries asks the proxy (a stats round trip). */
const DELIVERY_POLL_MS = 20;
const LISTEN_ATTEMPTS = 3;

export class ProxyLinks implements ProxyControl {
  private readonly addrs = new Map<string, string>();
  private readonly leases: PortLease[] = [];

  private constructor(
    private readonly client: FaultnetClient,
    private readonly clock: ScenarioClock,
    private readonly timeline: Timeline,
    /** When the proxy's clock started, on the scenario clock (ms). */
    readonly offsetMs: number,
  ) {}

  /** Starts the proxy (a HarnessFailure when it cannot), with its trace and stderr in the artifacts. */
  static async start(opts: { backend: Backend; faultnet: string; seed: string; paths: ArtifactPaths; clock: ScenarioClock; timeline: Timeline }): Promise<ProxyLinks> {
    let client: FaultnetClient;
    try {
      client = await FaultnetClient.start({ backend: opts.backend, binary: opts.faultnet, seed: opts.seed, traceFile: opts.paths.trace, stderrFile: opts.paths.proxyStderr });
    } catch (err) {
      throw new HarnessFailure(`the fault proxy did not start: ${(err as Error).message}`);
    }
    return new ProxyLinks(client, opts.clock, opts.timeline, opts.clock.fromPerformance(client.clockOrigin));
  }

  get pid(): number {
    return this.client.pid;
  }

  /** Adds every link with its initial faults; `portOf` is the port a target node listens on. */
  async addLinks(links: readonly PlannedLink[], portOf: (node: string) => number): Promise<void> {
    for (const l of links) {
      const target = `127.0.0.1:${portOf(l.to)}`;
      let info;
      for (let attempt = 1; ; attempt++) {
        const lease = await leasePort(l.proto);
        this.leases.push(lease);
        await lease.unbind();
        try {
          info = await this.client.addLink({ name: l.name, proto: l.proto, from: l.from, to: l.to, target, listen: `127.0.0.1:${lease.port}` });
          break;
        } catch (err) {
          // Another process took the port between unbind and listen: try another one.
          if (!(err instanceof FaultnetError && err.replyCode === 'LISTEN_FAILED') || attempt >= LISTEN_ATTEMPTS) throw err;
        }
      }
      this.addrs.set(l.name, info.listen);
      for (const [dir, f] of [['forward', l.forward], ['reverse', l.reverse]] as const) {
        if (f && Object.keys(f).length > 0) await this.client.setFaults(l.name, f, dir);
      }
      this.timeline.add('proxy', `link ${l.name} (${l.proto}) ${info.listen} → ${target}${faultText(l.forward, l.reverse)}`);
    }
  }

  /** The address a link listens on ({{addr:A->B}}). */
  addr(link: string): string {
    const a = this.addrs.get(link);
    if (!a) throw new HarnessFailure(`no proxy link ${link}`);
    return a;
  }

  partition(request: PartitionRequest): Promise<PartitionReply> {
    return this.client.partition({ ...request });
  }

  heal(): Promise<PartitionReply> {
    return this.client.heal();
  }

  setFaults(link: string, faults: Faults, direction: 'forward' | 'reverse' | 'both'): Promise<{ atNs: number }> {
    return this.client.setFaults(link, faults, direction);
  }

  async nowNs(): Promise<number> {
    return (await this.client.info()).nowNs;
  }

  /**
   * Waits until each pair has carried a message after `sinceNs` — or, with `count` above 1, at
   * least `count` messages since the proxy started (the links' totals) — and returns the pairs
   * still missing at the limit.
   */
  async waitDelivered(pairs: readonly DeliveryPair[], sinceNs: number, limitMs: number, count = 1): Promise<DeliveryPair[]> {
    const end = performance.now() + limitMs;
    for (;;) {
      const links = new Map((await this.client.stats()).map((l) => [l.name, l]));
      const passed = (p: DeliveryPair): boolean =>
        count > 1
          ? p.paths.reduce((n, x) => n + (links.get(x.link)?.[x.direction].forwarded ?? 0), 0) >= count
          : p.paths.some((x) => (links.get(x.link)?.[x.direction].lastSentNs ?? 0) > sinceNs);
      const missing = pairs.filter((p) => !passed(p));
      const left = end - performance.now();
      if (missing.length === 0 || left <= 0) return missing;
      await this.clock.sleep(Math.min(DELIVERY_POLL_MS, left));
    }
  }

  /** Puts each link direction's non-zero totals on the timeline, stops the proxy (flushing its trace) and frees the ports. */
  async stop(): Promise<void> {
    try {
      for (const l of await this.client.stats()) {
        for (const dir of ['forward', 'reverse'] as const) {
          const d = l[dir];
          const parts = Object.entries(d)
            .filter(([k, v]) => typeof v === 'number' && v > 0 && k !== 'bytesIn' && k !== 'bytesOut' && k !== 'lastSentNs')
            .map(([k, v]) => `${k}=${v as number}`);
          if (parts.length > 0) this.timeline.add('proxy', `totals ${l.name} ${dir}: ${parts.join(' ')} bytes=${d.bytesIn}→${d.bytesOut}`);
        }
      }
    } catch {
      // The proxy died; its stderr is in the artifacts.
    }
    await this.client.shutdown();
    for (const l of this.leases) l.free();
  }
}

function faultText(f: object | undefined, r: object | undefined): string {
  const parts = [];
  if (f && Object.keys(f).length > 0) parts.push(`forward ${JSON.stringify(f)}`);
  if (r && Object.keys(r).length > 0) parts.push(`reverse ${JSON.stringify(r)}`);
  return parts.length > 0 ? `, faults: ${parts.join(', ')}` : '';
}
