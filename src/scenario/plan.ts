/**
 * A scenario as written → a concrete plan: groups expanded into nodes, links into one proxy link
 * per directed pair, `repeat` unrolled, and every random choice (which node to kill, how long to
 * sleep, a shuffled partition) drawn from the scenario seed *before* anything runs. Same seed ⇒
 * same plan, which is what makes `--seed N` reproduce a failing schedule. Over 300 lines on
 * purpose: the draws must happen in one fixed order, and one file keeps that order in view.
 */
import { createHash } from 'node:crypto';
import type { Duration, ExpectSpec, Faults, NodeSpec, PartitionStep, Proto, ScenarioSpec, SignalName, StepSpec, Stream, Target } from './types.js';

export interface PlannedNode {
  name: string;
  group: string;
  /** 1..count within the group (1 for a lone node). */
  index: number;
  spec: NodeSpec;
}

export interface PlannedLink {
  /** "from->to": the proxy link name, the trace key and the random stream key. */
  name: string;
  from: string;
  to: string;
  proto: Proto;
  forward?: Faults;
  reverse?: Faults;
}

export interface PartitionRequest {
  shape: PartitionStep['shape'];
  nodes?: string[];
  node?: string;
  groups?: string[][];
  oneWay?: boolean;
  tcp?: 'stall' | 'reset';
}

export type PlannedAction =
  | { kind: 'start' | 'kill' | 'restart' | 'pause' | 'resume' | 'closeStdin'; nodes: string[] }
  | { kind: 'signal'; nodes: string[]; signal: SignalName }
  | { kind: 'partition'; request: PartitionRequest }
  | { kind: 'heal' }
  | { kind: 'setFaults'; links: string[]; direction: 'forward' | 'reverse' | 'both'; faults: Faults }
  | { kind: 'stdin'; nodes: string[]; text: string }
  | { kind: 'waitOutput'; nodes: string[]; match: string; stream: Stream; since: 'start' | 'previous'; withinSec: number; latest?: { match: string; stableMs: number } }
  | { kind: 'waitExit'; nodes: string[]; withinSec: number }
  /** Every (sender, receiver) pair joined by a declared link must see a message pass the proxy. */
  | { kind: 'waitDelivered'; pairs: DeliveryPair[]; from: string; to: string; since: 'start' | 'previous'; count: number; withinSec: number }
  | { kind: 'sleep'; ms: number };

/** Messages from `from` to `to` travel on these proxy link directions (a link A->B carries B's replies in reverse). */
export interface DeliveryPair {
  from: string;
  to: string;
  paths: { link: string; direction: 'forward' | 'reverse' }[];
}

export interface PlannedStep {
  /** 1-based position in the unrolled timeline. */
  seq: number;
  /** Where the TA wrote it: "3", or "4.2 (repeat 2 of 5)". */
  origin: string;
  afterMs: number;
  note?: string;
  action: PlannedAction;
}

export interface PlannedExpect {
  /** Index in `expect` (for messages). */
  index: number;
  node: string;
  spec: ExpectSpec;
}

export interface ScenarioPlan {
  /** Decimal uint64: the proxy's -seed and {{seed}}. */
  seed: string;
  nodes: PlannedNode[];
  links: PlannedLink[];
  steps: PlannedStep[];
  expect: PlannedExpect[];
}

/** The scenario's seed: the run seed mixed with the test id, so each scenario has its own streams. */
export function scenarioSeed(runSeed: number, testId: string): string {
  const digest = createHash('sha256').update(`dsgrade-scenario\0${runSeed}\0${testId}`).digest();
  return digest.readBigUInt64BE(0).toString();
}

/** A small deterministic generator (splitmix64) for the up-front choices. */
export class SeededRandom {
  private state: bigint;
  constructor(seed: string) {
    this.state = BigInt(seed) & 0xffffffffffffffffn;
  }
  next(): bigint {
    this.state = (this.state + 0x9e3779b97f4a7c15n) & 0xffffffffffffffffn;
    let z = this.state;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & 0xffffffffffffffffn;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & 0xffffffffffffffffn;
    return z ^ (z >> 31n);
  }
  /** Uniform in [0, 1). */
  float(): number {
    return Number(this.next() >> 11n) / 2 ** 53;
  }
  int(n: number): number {
    return Math.floor(this.float() * n);
  }
  shuffle<T>(items: readonly T[]): T[] {
    const a = [...items];
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [a[i], a[j]] = [a[j]!, a[i]!];
    }
    return a;
  }
}

/** Member names of a node or group, in order; undefined when the name is neither. */
export function membersOf(nodes: readonly NodeSpec[], name: string): string[] | undefined {
  const n = nodes.find((x) => x.name === name);
  if (n) return n.count > 1 ? Array.from({ length: n.count }, (_, i) => `${n.name}${i + 1}`) : [n.name];
  for (const x of nodes) if (x.count > 1 && name.startsWith(x.name) && /^\d+$/.test(name.slice(x.name.length))) {
    const i = Number(name.slice(x.name.length));
    if (i >= 1 && i <= x.count && String(i) === name.slice(x.name.length)) return [name];
  }
  return undefined;
}

export function expandNodes(nodes: readonly NodeSpec[]): PlannedNode[] {
  return nodes.flatMap((spec) =>
    spec.count > 1
      ? Array.from({ length: spec.count }, (_, i) => ({ name: `${spec.name}${i + 1}`, group: spec.name, index: i + 1, spec }))
      : [{ name: spec.name, group: spec.name, index: 1, spec }],
  );
}

/** Every directed link of the scenario, groups expanded. */
export function expandLinks(sc: Pick<ScenarioSpec, 'nodes' | 'links'>): PlannedLink[] {
  const out: PlannedLink[] = [];
  for (const l of sc.links) {
    for (const from of membersOf(sc.nodes, l.from) ?? []) {
      for (const to of membersOf(sc.nodes, l.to) ?? []) {
        if (from === to) continue;
        out.push({
          name: `${from}->${to}`,
          from,
          to,
          proto: l.proto,
          forward: l.forward ?? l.faults,
          reverse: l.reverse ?? l.faults,
        });
      }
    }
  }
  return out;
}

/** "c->server" with groups expanded to the matching declared link names. */
export function expandLinkName(sc: Pick<ScenarioSpec, 'nodes'>, name: string): string[] | undefined {
  const i = name.indexOf('->');
  if (i < 0) return undefined;
  const froms = membersOf(sc.nodes, name.slice(0, i).trim());
  const tos = membersOf(sc.nodes, name.slice(i + 2).trim());
  if (!froms || !tos) return undefined;
  return froms.flatMap((f) => tos.filter((t) => t !== f).map((t) => `${f}->${t}`));
}

/** How long a `latest` value must stay unchanged before a wait accepts it. */
export const DEFAULT_STABLE_MS = 300;

export function buildPlan(sc: ScenarioSpec, seed: string): ScenarioPlan {
  const rng = new SeededRandom(seed);
  const nodes = expandNodes(sc.nodes);
  const links = expandLinks(sc);
  const allNames = nodes.map((n) => n.name);
  const members = (name: string): string[] => {
    const m = membersOf(sc.nodes, name);
    if (!m) throw new Error(`unknown node ${name}`);
    return m;
  };
  const target = (t: Target): string[] => {
    if (typeof t === 'string') return members(t);
    if (Array.isArray(t)) return [...new Set(t.flatMap(members))];
    const pool = [...new Set(t.random.flatMap(members))];
    return rng.shuffle(pool).slice(0, Math.min(t.count ?? 1, pool.length));
  };
  const duration = (d: Duration | undefined): number => (d === undefined ? 0 : typeof d === 'number' ? d : Math.round(d.min + rng.float() * (d.max - d.min)));

  const steps: PlannedStep[] = [];
  const unroll = (list: readonly StepSpec[], prefix: string, suffix: string): void => {
    list.forEach((step, i) => {
      const origin = `${prefix}${i + 1}`;
      const afterMs = duration(step.afterMs);
      if (step.repeat) {
        const { times, steps: inner } = step.repeat;
        for (let r = 1; r <= times; r++) unroll(inner, `${origin}.`, ` (repeat ${r} of ${times})`);
        return;
      }
      steps.push({ seq: steps.length + 1, origin: `${origin}${suffix}`, afterMs, ...(step.note ? { note: step.note } : {}), action: action(step) });
    });
  };
  const action = (s: StepSpec): PlannedAction => {
    if (s.start !== undefined) return { kind: 'start', nodes: target(s.start) };
    if (s.kill !== undefined) return { kind: 'kill', nodes: target(s.kill) };
    if (s.restart !== undefined) return { kind: 'restart', nodes: target(s.restart) };
    if (s.pause !== undefined) return { kind: 'pause', nodes: target(s.pause) };
    if (s.resume !== undefined) return { kind: 'resume', nodes: target(s.resume) };
    if (s.closeStdin !== undefined) return { kind: 'closeStdin', nodes: target(s.closeStdin) };
    if (s.signal) return { kind: 'signal', nodes: target(s.signal.node), signal: s.signal.signal };
    if (s.heal) return { kind: 'heal' };
    if (s.setFaults) {
      return { kind: 'setFaults', links: expandLinkName(sc, s.setFaults.link) ?? [s.setFaults.link], direction: s.setFaults.direction ?? 'both', faults: s.setFaults.faults };
    }
    if (s.stdin) return { kind: 'stdin', nodes: target(s.stdin.node), text: s.stdin.text };
    if (s.sleepMs !== undefined) return { kind: 'sleep', ms: duration(s.sleepMs) };
    if (s.wait) {
      const w = s.wait;
      if (w.output) {
        const o = w.output;
        return {
          kind: 'waitOutput',
          nodes: members(o.node),
          match: o.match,
          stream: o.stream ?? 'both',
          since: o.since ?? 'start',
          withinSec: w.withinSec,
          ...(o.latest !== undefined ? { latest: { match: o.latest, stableMs: o.stableMs ?? DEFAULT_STABLE_MS } } : {}),
        };
      }
      if (w.delivered) {
        const d = w.delivered;
        return { kind: 'waitDelivered', pairs: deliveryPairs(links, members(d.from), members(d.to)), from: d.from, to: d.to, since: d.since ?? 'start', count: d.count ?? 1, withinSec: w.withinSec };
      }
      return { kind: 'waitExit', nodes: target(w.exit!), withinSec: w.withinSec };
    }
    if (s.partition) return { kind: 'partition', request: partition(s.partition) };
    throw new Error(`step has no action: ${JSON.stringify(s)}`);
  };
  const partition = (p: PartitionStep): PartitionRequest => {
    const expand = (list: readonly string[]): string[] => [...new Set(list.flatMap(members))];
    let list = p.nodes ? expand(p.nodes) : p.shape === 'groups' ? undefined : allNames;
    let groups = p.groups?.map(expand);
    if (p.shuffle) {
      if (list) list = rng.shuffle(list);
      if (groups) groups = rng.shuffle(groups);
    }
    let node: string | undefined;
    if (typeof p.node === 'string') node = members(p.node)[0];
    else if (p.node) node = rng.shuffle([...new Set(p.node.random.flatMap(members))])[0];
    return {
      shape: p.shape,
      ...(list ? { nodes: list } : {}),
      ...(node !== undefined ? { node } : {}),
      ...(groups ? { groups } : {}),
      ...(p.oneWay !== undefined ? { oneWay: p.oneWay } : {}),
      ...(p.tcp ? { tcp: p.tcp } : {}),
    };
  };
  unroll(sc.steps, '', '');
  const expect = sc.expect.flatMap((spec, index) => members(spec.node).map((node) => ({ index, node, spec })));
  return { seed, nodes, links, steps, expect };
}

/** Each (sender, receiver) pair of different nodes that a declared link joins, with the link directions its messages take. */
export function deliveryPairs(links: readonly PlannedLink[], senders: readonly string[], receivers: readonly string[]): DeliveryPair[] {
  const out: DeliveryPair[] = [];
  for (const from of senders) {
    for (const to of receivers) {
      if (from === to) continue;
      const paths = links.flatMap((l) => [
        ...(l.from === from && l.to === to ? [{ link: l.name, direction: 'forward' as const }] : []),
        ...(l.from === to && l.to === from ? [{ link: l.name, direction: 'reverse' as const }] : []),
      ]);
      if (paths.length > 0) out.push({ from, to, paths });
    }
  }
  return out;
}

/** One line per step, for the timeline and for tests of determinism. */
export function describeAction(a: PlannedAction): string {
  switch (a.kind) {
    case 'start':
    case 'kill':
    case 'restart':
    case 'pause':
    case 'resume':
    case 'closeStdin':
      return `${a.kind} ${a.nodes.join(', ')}`;
    case 'signal':
      return `signal ${a.signal} → ${a.nodes.join(', ')}`;
    case 'partition': {
      const r = a.request;
      const what = r.groups ? r.groups.map((g) => `[${g.join(' ')}]`).join(' | ') : `${r.node ? `${r.node} from ` : ''}${(r.nodes ?? []).join(' ')}`;
      return `partition ${r.shape}${r.oneWay ? ' (one way)' : ''}: ${what}${r.tcp ? ` tcp=${r.tcp}` : ''}`;
    }
    case 'heal':
      return 'heal the partition';
    case 'setFaults':
      return `set faults ${JSON.stringify(a.faults)} on ${a.links.join(', ')} (${a.direction})`;
    case 'stdin':
      return `stdin ${JSON.stringify(a.text)} → ${a.nodes.join(', ')}`;
    case 'waitOutput':
      if (a.latest) return `wait ≤ ${a.withinSec} s until ${a.nodes.join(', ')}'s latest /${a.latest.match}/ line matches /${a.match}/ for ${a.latest.stableMs} ms${a.since === 'previous' ? ' (lines after the previous step began)' : ''}`;
      return `wait ≤ ${a.withinSec} s for ${a.nodes.join(', ')} to print /${a.match}/${a.since === 'previous' ? ' (after the previous step began)' : ''}`;
    case 'waitExit':
      return `wait ≤ ${a.withinSec} s for ${a.nodes.join(', ')} to exit`;
    case 'waitDelivered':
      return `wait ≤ ${a.withinSec} s for the proxy to pass on ${messages(a.count)} from ${a.from} to ${a.to}${a.since === 'previous' ? ' (after the previous step began)' : ''}`;
    case 'sleep':
      return `sleep ${a.ms} ms`;
  }
}

/** "a message", or "2 messages (counted from the start)" for a delivered wait with a count. */
export function messages(count: number): string {
  return count > 1 ? `${count} messages (counted from the start)` : 'a message';
}
