/**
 * What a step acts on, as interfaces: the nodes by name (nodes.ts implements it), the proxy
 * (proxy-links.ts), the scenario clock and the timeline. Step handlers (step-handlers.ts,
 * step-waits.ts) see only this, so they can be tested against a fake node set and a fake proxy.
 */
import type { Timeline } from './artifacts.js';
import type { ScenarioClock } from './clock.js';
import type { NodeOutput } from './node-output.js';
import type { DeliveryPair, PartitionRequest, PlannedAction } from './plan.js';
import type { StoppedBy } from './run-record.js';
import type { Faults } from './types.js';

export interface NodeControl {
  /** Starts the node and waits until it is ready; a StepFailure when it does not get ready. */
  start(name: string): Promise<void>;
  /** Kills its process group if it runs, and waits until it is gone. */
  kill(name: string, by: StoppedBy): Promise<void>;
  pause(name: string): void;
  resume(name: string): void;
  signal(name: string, signal: NodeJS.Signals): void;
  closeStdin(name: string): void;
  /** Writes to its stdin, templates expanded for that node. */
  write(name: string, text: string): void;
  output(name: string): NodeOutput;
  /** Resolves when the current incarnation exits; undefined if it never started. */
  exited(name: string): Promise<unknown> | undefined;
  /** Started, and its current incarnation has exited. */
  hasExited(name: string): boolean;
  /** 'running', 'paused', 'never started', 'exited with code 1', … for failure messages. */
  describe(name: string): string;
}

export interface ProxyControl {
  /** Resolves once the partition is in force; `atNs` is when it took effect (the proxy's clock). */
  partition(request: PartitionRequest): Promise<{ blocked: unknown[]; directions: number; atNs: number }>;
  heal(): Promise<{ directions: number; atNs: number }>;
  setFaults(link: string, faults: Faults, direction: 'forward' | 'reverse' | 'both'): Promise<{ atNs: number }>;
  /** The proxy's clock now (ns). */
  nowNs(): Promise<number>;
  /** Waits until every pair has a message the proxy passed on after `sinceNs` (at most `limitMs`); returns the pairs still without one. */
  waitDelivered(pairs: readonly DeliveryPair[], sinceNs: number, limitMs: number, count?: number): Promise<DeliveryPair[]>;
}

export interface StepContext {
  nodes: NodeControl;
  proxy: ProxyControl;
  clock: Pick<ScenarioClock, 'now' | 'remaining' | 'sleep'>;
  timeline: Timeline;
}

/**
 * Where the previous step began, for `since: "previous"`: on dsgrade's clock (node output, ms) and
 * on the proxy's (deliveries, ns).
 */
export interface Since {
  ms: number;
  proxyNs: number;
}

/** The step being run, for messages and `since`. */
export interface StepInfo {
  origin: string;
  previous: Since;
}

/**
 * Runs one kind of step. A step that changes the proxy returns when (on the proxy's clock) the
 * change took effect. Throws StepFailure when the student's system fails the step.
 */
export type StepHandler<A extends PlannedAction = PlannedAction> = (action: A, ctx: StepContext, step: StepInfo) => Promise<{ proxyNs: number } | void>;

export type ActionOf<K extends PlannedAction['kind']> = PlannedAction & { kind: K };
