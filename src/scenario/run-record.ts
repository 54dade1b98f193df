/**
 * The record of one scenario run: everything the run report shows (src/report/run-report.ts),
 * produced once by the engine at the end of the run and written as `run-record.json` in the
 * scenario's artifacts folder. This file is the one definition of that shape: the engine builds
 * it, the report renders it as plain data, and a kept artifacts folder holds it for tools. Types
 * only (and the list of message kinds), so a reporter importing it imports nothing that runs.
 *
 * Times are ms since the scenario start on the scenario clock (src/scenario/clock.ts), rounded to
 * the microsecond.
 */
import type { PlannedLink, PlannedStep } from './plan.js';

export type ScenarioVerdict = 'passed' | 'failed' | 'error';

/** One entry of dsgrade's timeline: a step, a node start/exit, a proxy change, an expectation result. */
export interface TimelineEvent {
  tMs: number;
  /** 'dsgrade', 'step', 'proxy', 'expect', 'checker', or a node's name. */
  source: string;
  text: string;
}

/** The result of one expectation. */
export interface ExpectResult {
  index: number;
  node: string;
  ok: boolean;
  /** What was checked, in words. */
  check: string;
  /** What was seen when it failed. */
  seen: string;
}

/** One step as it ran: when it began (steps after a failing one are absent). */
export interface StepRun {
  seq: number;
  origin: string;
  kind: PlannedStep['action']['kind'];
  /** The step in words, as on the timeline ("3: kill n2 — note"). */
  text: string;
  tMs: number;
}

/**
 * Who stopped a node's incarnation when dsgrade did: a kill/restart step (fault injection), the
 * flood limit, or the end of the scenario. Absent when the process exited by itself.
 */
export type StoppedBy = 'step' | 'flood' | 'end';

/** One incarnation of a node: from its start to its exit. */
export interface NodeRun {
  /** 1 for the first start, 2 after a restart, … */
  incarnation: number;
  startedMs: number;
  pid: number;
  port: number;
  args: string[];
  /** Absent when the process still ran when the record was made. */
  end?: { tMs: number; code: number | null; signal: string | null; stoppedBy?: StoppedBy };
}

/** One line a node printed. */
export interface OutputLine {
  tMs: number;
  stream: 'stdout' | 'stderr';
  text: string;
}

export interface NodeRecord {
  name: string;
  runs: NodeRun[];
  /** Its lines: every one, or the first and the last ones with `omittedLines` left out between. */
  lines: OutputLine[];
  omittedLines: number;
}

export type MessageKind = 'delivered' | 'delayed' | 'dropped' | 'duplicated' | 'blocked' | 'stalled' | 'reordered' | 'corrupted';

export const MESSAGE_KINDS: readonly MessageKind[] = ['delivered', 'delayed', 'dropped', 'duplicated', 'blocked', 'stalled', 'reordered', 'corrupted'];

/** One message: every trace record of one (link, direction, seq), reduced to what happened to it. */
export interface TraceMessage {
  link: string;
  dir: 'forward' | 'reverse';
  seq: number;
  /** When the proxy read it. */
  tMs: number;
  size: number;
  kind: MessageKind;
  delayMs: number;
  actions: string[];
  /** The RPC method (a go test's rpc trace, src/gotest/rpc-run-record.ts); absent for proxied messages. */
  method?: string;
}

/** A TCP connection event on a link. */
export interface ConnEvent {
  link: string;
  tMs: number;
  action: 'accept' | 'close' | 'reset' | 'refused';
  conn: number;
}

/**
 * A node's consensus state from `tMs` on: a Raft peer's term and whether it said it was the
 * leader, as the test saw it through GetState (a go test's rpc trace).
 */
export interface StateChange {
  tMs: number;
  node: string;
  term: number;
  leader: boolean;
}

/** What the proxy's trace (proxy-trace.jsonl) says, by message. */
export interface ProxyTrace {
  messages: TraceMessage[];
  connections: ConnEvent[];
  /** The messages by kind. */
  counts: Record<MessageKind, number>;
  /** The trace was too long: only its first messages are kept and counted. */
  truncated: boolean;
}

export interface RunRecord {
  testId: string;
  /** The scenario seed (decimal uint64). */
  seed: string;
  /** The command that reruns exactly this schedule. */
  rerun: string;
  verdict: ScenarioVerdict;
  /** One line: why it failed ('' when it passed). */
  reason: string;
  durationMs: number;
  expectations: ExpectResult[];
  /** The fault schedule drawn from the seed: the proxy links with their faults, and the steps. */
  schedule: { links: PlannedLink[]; steps: PlannedStep[] };
  stepsRun: StepRun[];
  /** Every node of the plan, in the plan's order. */
  nodes: NodeRecord[];
  /** dsgrade's own timeline (not the proxy's per-second summary). */
  events: TimelineEvent[];
  /** When the proxy's clock started, on the scenario clock (trace times are relative to it). */
  proxyOffsetMs: number;
  trace: ProxyTrace;
}
