/**
 * Network vocabulary shared by the scenario engine, the fault proxy client and the backends (which
 * check whether a node listens): plain types, no behaviour.
 */

export type Proto = 'tcp' | 'udp';

/** Fault rules of one link direction, exactly as faultnet takes them (docs/faults.md). */
export interface Faults {
  drop?: number;
  delayMs?: number;
  jitterMs?: number;
  duplicate?: number;
  reorder?: number;
  reorderHoldMs?: number;
  corrupt?: number;
  truncate?: number;
  lengthen?: number;
  bandwidthBps?: number;
  stall?: boolean;
  reset?: boolean;
  close?: boolean;
}
