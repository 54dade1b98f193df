/**
 * The nodes of one scenario run: each one's port (leased before anything starts), its output
 * across restarts, its incarnations and its own run uid (uid mode: leased at its first start, kept
 * across restarts, released only when the scenario ends, which kills everything of that uid). The
 * one place where the engine starts a node process (the backend's spawnNode) and waits for it to be ready.
 * Its methods are what the steps (steps.ts) and the expectations act on, by node name.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { addUsage, type ResourceUsage } from '../core/resource-usage.js';
import type { Backend, NodeExit, NodeHandle } from '../sandbox/backend.js';
import type { JailLease } from '../sandbox/jail.js';
import type { ArtifactPaths, Timeline } from './artifacts.js';
import { roundMs, type ScenarioClock } from './clock.js';
import { HarnessFailure, StepFailure } from './failures.js';
import { NodeOutput } from './node-output.js';
import type { PlannedNode, ScenarioPlan } from './plan.js';
import { leasePort, type PortLease } from './ports.js';
import { waitReady } from './readiness.js';
import type { NodeRecord, NodeRun, StoppedBy } from './run-record.js';
import type { NodeControl } from './step-context.js';
import { expandTemplate, type TemplateValues } from './templates.js';

export interface NodeSetOptions {
  plan: ScenarioPlan;
  /** Program name → built binary. */
  binaries: ReadonlyMap<string, string>;
  paths: ArtifactPaths;
  /** Each node's working directory, HOME and TMPDIR live below it. */
  scratchDir: string;
  /** Bytes of each stream kept in the artifacts. */
  outputBytes: number;
  /** A node printing more than this in total is killed as a flood. */
  floodLimitBytes: number;
  /** Where the nodes run; with a jail, each node as its own leased run uid. */
  backend: Backend;
  clock: ScenarioClock;
  timeline: Timeline;
  /** Template values for a node's args, env and stdin text. */
  values(self: PlannedNode): TemplateValues;
  /** Called after every start (the caller writes pids.json). */
  onStarted(): Promise<void>;
}

interface NodeState {
  planned: PlannedNode;
  lease: PortLease;
  output: NodeOutput;
  proc?: NodeHandle;
  /** Incarnations begun (counted before the spawn, so a failed start counts). */
  incarnation: number;
  runs: NodeRun[];
  pids: number[];
  /** Set when dsgrade stops the current incarnation, and why. */
  stopping?: StoppedBy;
  uid?: JailLease;
  lastExit?: { status: NodeExit; byHarness: boolean };
  /** What its incarnations used, as their supervisors measured (none without a jail or container). */
  usage?: ResourceUsage;
}

const TAIL_LINES = 12;

export class ScenarioNodes implements NodeControl {
  private readonly states = new Map<string, NodeState>();

  constructor(private readonly opts: NodeSetOptions) {}

  /** Leases every node's port and opens its output files; nothing starts yet. `close` undoes it, also after a throw. */
  async open(): Promise<void> {
    const now = (): number => this.opts.clock.now();
    for (const n of this.opts.plan.nodes) {
      const files = { stdout: this.opts.paths.nodeFile(n.name, 'stdout'), stderr: this.opts.paths.nodeFile(n.name, 'stderr') };
      this.states.set(n.name, { planned: n, lease: await leasePort(n.spec.proto), output: new NodeOutput(n.name, files, this.opts.outputBytes, now), incarnation: 0, runs: [], pids: [] });
    }
  }

  private state(name: string): NodeState {
    const s = this.states.get(name);
    if (!s) throw new HarnessFailure(`unknown node ${name}`);
    return s;
  }

  port(name: string): number {
    return this.state(name).lease.port;
  }

  output(name: string): NodeOutput {
    return this.state(name).output;
  }

  pids(): Record<string, number[]> {
    return Object.fromEntries([...this.states].map(([n, s]) => [n, s.pids]));
  }

  /** Starts the node and waits until it is ready (its `ready` rule, within the scenario's time). */
  async start(name: string): Promise<void> {
    const s = this.state(name);
    const spawnedMs = this.opts.clock.now();
    await this.spawn(s);
    await this.awaitReady(s, spawnedMs);
  }

  private async spawn(s: NodeState): Promise<void> {
    const { opts } = this;
    const name = s.planned.name;
    if (s.proc?.running) throw new HarnessFailure(`cannot start ${name}: it is already running (kill or restart it instead)`);
    const binary = opts.binaries.get(s.planned.spec.program);
    if (!binary) throw new HarnessFailure(`program ${s.planned.spec.program} was not built`);
    const values = opts.values(s.planned);
    const args = s.planned.spec.args.map((a) => expandTemplate(a, values));
    const home = path.join(opts.scratchDir, name);
    await fs.mkdir(home, { recursive: true });
    const env: Record<string, string> = {
      PATH: '/usr/local/bin:/usr/bin:/bin',
      HOME: home,
      TMPDIR: home,
      DSGRADE_NODE: name,
      DSGRADE_SEED: opts.plan.seed,
      ...Object.fromEntries(Object.entries(s.planned.spec.env).map(([k, v]) => [k, expandTemplate(v, values)])),
    };
    const jail = opts.backend.jail;
    if (jail && !s.uid) s.uid = await jail.lease();
    await s.lease.unbind();
    const incarnation = ++s.incarnation;
    s.stopping = undefined;
    s.output.marker(`start #${incarnation}: ${[path.basename(binary), ...args].join(' ')}`);
    let proc: NodeHandle;
    try {
      proc = await opts.backend.spawnNode({
        file: binary,
        args,
        cwd: home,
        env,
        jail: { ...(s.uid ? { lease: s.uid } : {}), role: 'run', writableDirs: [home] },
        onOutput: (stream, chunk) => {
          s.output.push(stream, chunk);
          if (s.output.total > opts.floodLimitBytes && proc?.running && s.stopping === undefined) {
            s.stopping = 'flood';
            opts.timeline.add(name, `killed: printed more than ${opts.floodLimitBytes} bytes`);
            void proc.kill();
          }
        },
      });
    } catch (err) {
      throw new HarnessFailure(`could not start ${name} (${binary}): ${(err as Error).message}`);
    }
    s.proc = proc;
    s.pids.push(proc.pid);
    await opts.onStarted();
    const startedMs = opts.clock.now();
    const run: NodeRun = { incarnation, startedMs, pid: proc.pid, port: s.lease.port, args };
    s.runs.push(run);
    opts.timeline.add(name, `started #${incarnation} (pid ${proc.pid}, port ${s.lease.port}): ${args.join(' ')}`, startedMs);
    void proc.exited.then((status) => {
      s.usage = addUsage(s.usage, status.usage);
      s.output.endIncarnation();
      const byHarness = s.stopping !== undefined;
      if (s.incarnation === incarnation) s.lastExit = { status, byHarness };
      const how = status.signal ? `killed by ${status.signal}` : `exited with code ${status.code}`;
      s.output.marker(`#${incarnation} ${how}`);
      const tMs = opts.clock.now();
      run.end = { tMs, code: status.code, signal: status.signal, ...(s.stopping ? { stoppedBy: s.stopping } : {}) };
      opts.timeline.add(name, `#${incarnation} ${how}${byHarness ? ' (by dsgrade)' : ''}`, tMs);
    });
    s.lastExit = undefined;
  }

  private async awaitReady(s: NodeState, startedAtMs: number): Promise<void> {
    const r = s.planned.spec.ready;
    if (!r) return;
    const outcome = await waitReady({
      backend: this.opts.backend,
      proc: s.proc!,
      output: s.output,
      ...(r.port ? { port: { port: s.lease.port, proto: s.planned.spec.proto } } : {}),
      ...(r.output ? { line: { key: s.output.watch(r.output), source: r.output, sinceMs: startedAtMs } } : {}),
      withinSec: Math.min(r.withinSec, Math.max(0, this.opts.clock.remaining()) / 1000),
    });
    if (!outcome.ready) throw new StepFailure(`${s.planned.name} did not become ready: ${outcome.reason}`, [s.planned.name]);
    this.opts.timeline.add(s.planned.name, `ready after ${outcome.ms} ms`);
  }

  /** Kills the node's process group (if it runs) and waits until it is gone. */
  async kill(name: string, by: StoppedBy): Promise<void> {
    const s = this.state(name);
    if (!s.proc?.running) return;
    s.stopping = by;
    await s.proc.kill();
  }

  pause(name: string): void {
    this.state(name).proc?.pause();
  }

  resume(name: string): void {
    this.state(name).proc?.resume();
  }

  signal(name: string, signal: NodeJS.Signals): void {
    this.state(name).proc?.signal(signal);
  }

  closeStdin(name: string): void {
    this.state(name).proc?.closeStdin();
  }

  /** Writes `text` to the node's stdin, its templates expanded for that node. */
  write(name: string, text: string): void {
    const s = this.state(name);
    s.proc?.write(expandTemplate(text, this.opts.values(s.planned)));
  }

  exited(name: string): Promise<unknown> | undefined {
    return this.state(name).proc?.exited;
  }

  /** Started, and its current incarnation has exited. */
  hasExited(name: string): boolean {
    const proc = this.state(name).proc;
    return proc !== undefined && !proc.running;
  }

  started(name: string): boolean {
    return this.state(name).incarnation > 0;
  }

  /** The exit of the last incarnation, and whether dsgrade stopped it; undefined while it runs or never ran. */
  lastExit(name: string): { status: NodeExit; byHarness: boolean } | undefined {
    return this.state(name).lastExit;
  }

  describe(name: string): string {
    const s = this.state(name);
    if (s.incarnation === 0) return 'never started';
    if (s.proc?.isPaused) return 'paused';
    if (s.proc?.running) return 'running';
    const x = s.lastExit;
    return x ? (x.status.signal ? `killed by ${x.status.signal}` : `exited with code ${x.status.code}`) : 'stopped';
  }

  /** The node's last lines, for a failure message. */
  lastLines(name: string): string[] {
    const lines = this.state(name).output.tail(TAIL_LINES);
    if (lines.length === 0) return [`  (${name} printed nothing)`];
    return [`  last lines of ${name}'s output:`, ...lines.map((l) => `    ${(l.tMs / 1000).toFixed(2).padStart(7)}s ${l.stream === 'stderr' ? 'err' : 'out'} | ${l.text.slice(0, 300)}`)];
  }

  /** Kills every node that still runs (the end of the scenario); never throws. */
  async stopAll(): Promise<void> {
    await Promise.all([...this.states.keys()].map((n) => this.kill(n, 'end').catch(() => undefined)));
  }

  /**
   * Frees the ports, closes the output files and releases each node's uid, which kills every
   * process of it (setsid daemons too): after this nothing a node started runs.
   */
  async close(): Promise<void> {
    for (const s of this.states.values()) s.lease.free();
    await Promise.all([...this.states.values()].map((s) => s.output.close()));
    for (const s of this.states.values()) {
      if (!s.uid) continue;
      await this.opts.backend.jail?.release(s.uid);
      s.uid = undefined;
    }
  }

  /** What every node's processes used, summed (scenario CPU rate: the sum over its processes). */
  usage(): ResourceUsage | undefined {
    let total: ResourceUsage | undefined;
    for (const s of this.states.values()) total = addUsage(total, s.usage);
    return total;
  }

  /** What the run record keeps of each node, in the plan's order. */
  records(): NodeRecord[] {
    return [...this.states.values()].map((s) => {
      const t = s.output.timedLines();
      return {
        name: s.planned.name,
        runs: s.runs.map((r) => ({ ...r, startedMs: roundMs(r.startedMs), ...(r.end ? { end: { ...r.end, tMs: roundMs(r.end.tMs) } } : {}) })),
        lines: t.lines.map((l) => ({ ...l, tMs: roundMs(l.tMs) })),
        omittedLines: t.omitted,
      };
    });
  }
}
