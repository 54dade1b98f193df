/**
 * The shape of a `scenario` suite after loading (schemas/manifest.schema.json, definitions
 * `scenario*`, documented in docs/scenarios.md). Steps and expectations keep the JSON shape the TA
 * wrote: one action key per step, one check key per expectation. Group names (a node with
 * `count` > 1) are expanded only when a scenario is planned (plan.ts), so every validation issue
 * can point at what the TA wrote.
 */
import type { Visibility } from '../model.js';
import type { Faults, Proto } from '../core/net.js';

export type { Faults, Proto };

export interface ScenarioProgram {
  /** Folder of a main package, relative to the module root. */
  package: string;
  race: boolean;
}

export type Stream = 'stdout' | 'stderr' | 'both';

export interface NodeSpec {
  name: string;
  program: string;
  args: string[];
  env: Record<string, string>;
  /** > 1: nodes name1..nameN, and `name` names the group. */
  count: number;
  proto: Proto;
  ready?: { port?: boolean; output?: string; withinSec: number };
}

export interface LinkSpec {
  from: string;
  to: string;
  proto: Proto;
  faults?: Faults;
  forward?: Faults;
  reverse?: Faults;
}

/** Nodes a step acts on: a name (node or group), several, or a seeded random choice. */
export type Target = string | string[] | { random: string[]; count?: number };
/** Milliseconds, or a range drawn from the seed. */
export type Duration = number | { min: number; max: number };

export interface OutputMatch {
  node: string;
  match: string;
  stream?: Stream;
  since?: 'start' | 'previous';
  /**
   * A value the node reports again and again (a driver printing its counters): the wait holds only
   * when the node's most recent line matching `latest` matches `match` and no other `latest` line
   * follows for `stableMs`. Printing every candidate line therefore cannot pass.
   */
  latest?: string;
  stableMs?: number;
}

export interface PartitionStep {
  shape: 'isolate' | 'halves' | 'majoritiesRing' | 'bridge' | 'groups';
  nodes?: string[];
  node?: string | { random: string[] };
  groups?: string[][];
  oneWay?: boolean;
  tcp?: 'stall' | 'reset';
  shuffle?: boolean;
}

/**
 * Messages the proxy passed on from `from` to `to` (nodes or groups): the proxy's own record, so
 * a wait on it does not depend on when a node prints what it received.
 */
export interface DeliveredMatch {
  from: string;
  to: string;
  since?: 'start' | 'previous';
  /** At least this many messages on each pair, counted from the scenario's start (default 1). */
  count?: number;
}

export type SignalName = 'SIGTERM' | 'SIGINT' | 'SIGHUP' | 'SIGQUIT' | 'SIGUSR1' | 'SIGUSR2';

/** One entry of `steps`: exactly one action key, plus `afterMs` and `note`. */
export interface StepSpec {
  afterMs?: Duration;
  note?: string;
  start?: Target;
  kill?: Target;
  restart?: Target;
  pause?: Target;
  resume?: Target;
  signal?: { node: Target; signal: SignalName };
  partition?: PartitionStep;
  heal?: true;
  setFaults?: { link: string; direction?: 'forward' | 'reverse' | 'both'; faults: Faults };
  stdin?: { node: Target; text: string };
  closeStdin?: Target;
  wait?: { output?: OutputMatch; exit?: Target; delivered?: DeliveredMatch; withinSec: number };
  sleepMs?: Duration;
  repeat?: { times: number; steps: StepSpec[] };
}

export const STEP_ACTIONS = [
  'start',
  'kill',
  'restart',
  'pause',
  'resume',
  'signal',
  'partition',
  'heal',
  'setFaults',
  'stdin',
  'closeStdin',
  'wait',
  'sleepMs',
  'repeat',
] as const;
export type StepAction = (typeof STEP_ACTIONS)[number];

/** One entry of `expect`: exactly one of output, never, exitCode, count, value. */
export interface ExpectSpec {
  node: string;
  stream?: Stream;
  output?: string;
  never?: string;
  exitCode?: number;
  count?: { match: string; min?: number; max?: number };
  value?: { match: string; min?: number; max?: number };
  withinSec?: number;
  description?: string;
}

export interface CheckerSpec {
  program: string;
  args: string[];
  timeoutSec: number;
}

export interface ScenarioSpec {
  name: string;
  displayName: string;
  points: number;
  number?: string;
  visibility: Visibility;
  tags: string[];
  description?: string;
  timeoutSec: number;
  exclusive: boolean;
  nodes: NodeSpec[];
  links: LinkSpec[];
  steps: StepSpec[];
  expect: ExpectSpec[];
  checker?: CheckerSpec;
}

export interface ScenarioSuite {
  kind: 'scenario';
  id: string;
  name: string;
  programs: Record<string, ScenarioProgram>;
  /** Bytes of each node's stdout and of its stderr kept in the artifacts. */
  outputBytes: number;
  scenarios: ScenarioSpec[];
}
