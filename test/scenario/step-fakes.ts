/**
 * Fakes for testing the step handlers and the step runner without processes or a proxy:
 * FakeNodes (a node set that records what the steps asked of it; its output is a real
 * NodeOutput that the test prints into) and FakeProxy (answers partition/heal/setFaults with
 * fixed proxy times and delivery waits with what the test says is missing).
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Timeline } from '../../src/scenario/artifacts.js';
import { ScenarioClock } from '../../src/scenario/clock.js';
import { NodeOutput } from '../../src/scenario/node-output.js';
import type { DeliveryPair, PartitionRequest } from '../../src/scenario/plan.js';
import type { StoppedBy } from '../../src/scenario/run-record.js';
import type { NodeControl, ProxyControl, StepContext } from '../../src/scenario/step-context.js';
import type { Faults } from '../../src/scenario/types.js';

export class FakeNodes implements NodeControl {
  /** Every call, in order: "start c1", "kill c1 step", "signal c1 SIGTERM", … */
  readonly calls: string[] = [];
  private readonly outputs = new Map<string, NodeOutput>();
  private readonly exits = new Map<string, { promise: Promise<void>; resolve(): void; done: boolean }>();
  /** How long a start takes (ms), to see that starts do not overlap. */
  startMs = 0;
  /** Nodes whose start fails. */
  readonly notReady = new Set<string>();
  readonly states = new Map<string, string>();

  constructor(
    private readonly dir: string,
    private readonly clock: ScenarioClock,
  ) {}

  async start(name: string): Promise<void> {
    this.calls.push(`start ${name}`);
    if (this.startMs > 0) await new Promise((r) => setTimeout(r, this.startMs));
    if (this.notReady.has(name)) throw new Error(`${name} did not become ready (fake)`);
    this.calls.push(`ready ${name}`);
  }

  async kill(name: string, by: StoppedBy): Promise<void> {
    this.calls.push(`kill ${name} ${by}`);
  }

  pause(name: string): void {
    this.calls.push(`pause ${name}`);
  }

  resume(name: string): void {
    this.calls.push(`resume ${name}`);
  }

  signal(name: string, signal: NodeJS.Signals): void {
    this.calls.push(`signal ${name} ${signal}`);
  }

  closeStdin(name: string): void {
    this.calls.push(`closeStdin ${name}`);
  }

  write(name: string, text: string): void {
    this.calls.push(`write ${name} ${JSON.stringify(text)}`);
  }

  output(name: string): NodeOutput {
    let out = this.outputs.get(name);
    if (!out) {
      out = new NodeOutput(name, { stdout: path.join(this.dir, `${name}.stdout.log`), stderr: path.join(this.dir, `${name}.stderr.log`) }, 1 << 20, () => this.clock.now());
      this.outputs.set(name, out);
    }
    return out;
  }

  /** The test prints a line as the node. */
  print(name: string, line: string): void {
    this.output(name).push('stdout', Buffer.from(`${line}\n`));
  }

  private exit(name: string): { promise: Promise<void>; resolve(): void; done: boolean } {
    let e = this.exits.get(name);
    if (!e) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      const entry = { promise, resolve: () => undefined as void, done: false };
      entry.resolve = () => {
        entry.done = true;
        resolve();
      };
      e = entry;
      this.exits.set(name, e);
    }
    return e;
  }

  /** The test makes the node exit. */
  exitNow(name: string): void {
    this.exit(name).resolve();
  }

  exited(name: string): Promise<unknown> {
    return this.exit(name).promise;
  }

  hasExited(name: string): boolean {
    return this.exit(name).done;
  }

  describe(name: string): string {
    return this.states.get(name) ?? 'running';
  }

  async close(): Promise<void> {
    await Promise.all([...this.outputs.values()].map((o) => o.close()));
  }
}

export class FakeProxy implements ProxyControl {
  readonly calls: string[] = [];
  /** What waitDelivered was asked: the proxy time it counts from. */
  readonly deliveredSince: number[] = [];
  /** And how many messages each pair had to carry. */
  readonly deliveredCounts: number[] = [];
  /** Pairs (by "from->to") the fake never delivers. */
  readonly undelivered = new Set<string>();
  private nextNs = 1000;
  /** Set to make every request fail like a dead proxy. */
  failWith: Error | undefined;

  private tick(): number {
    if (this.failWith) throw this.failWith;
    this.nextNs += 1000;
    return this.nextNs;
  }

  async partition(request: PartitionRequest): Promise<{ blocked: unknown[]; directions: number; atNs: number }> {
    this.calls.push(`partition ${request.shape}`);
    return { blocked: [['a', 'b']], directions: 2, atNs: this.tick() };
  }

  async heal(): Promise<{ directions: number; atNs: number }> {
    this.calls.push('heal');
    return { directions: 2, atNs: this.tick() };
  }

  async setFaults(link: string, faults: Faults, direction: 'forward' | 'reverse' | 'both'): Promise<{ atNs: number }> {
    this.calls.push(`setFaults ${link} ${direction} ${JSON.stringify(faults)}`);
    return { atNs: this.tick() };
  }

  async nowNs(): Promise<number> {
    this.calls.push('nowNs');
    return this.tick();
  }

  async waitDelivered(pairs: readonly DeliveryPair[], sinceNs: number, _limitMs: number, count = 1): Promise<DeliveryPair[]> {
    this.deliveredSince.push(sinceNs);
    this.deliveredCounts.push(count);
    return pairs.filter((p) => this.undelivered.has(`${p.from}->${p.to}`));
  }
}

/** A step context of fakes, a real clock (with `limitMs`) and a real timeline. */
export async function fakeContext(limitMs = 30_000): Promise<StepContext & { nodes: FakeNodes; proxy: FakeProxy; clock: ScenarioClock; done(): Promise<void> }> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dsgrade-steps-'));
  const clock = new ScenarioClock(limitMs);
  const nodes = new FakeNodes(dir, clock);
  return {
    nodes,
    proxy: new FakeProxy(),
    clock,
    timeline: new Timeline(() => clock.now()),
    done: async () => {
      await nodes.close();
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}
