/** Stopping a run from outside (a time budget, an interrupt): nothing new starts once it is aborted. */
import type { LimitFunction } from 'p-limit';
import { DsgradeError } from '../errors.js';

/** A limiter that refuses to start tasks once `signal` is aborted. */
export function abortable(limit: LimitFunction, signal: AbortSignal | undefined): LimitFunction {
  if (!signal) return limit;
  const wrapped = ((fn: (...args: unknown[]) => unknown, ...args: unknown[]) =>
    limit(() => {
      throwIfAborted(signal);
      return fn(...args);
    })) as LimitFunction;
  return Object.assign(wrapped, { clearQueue: () => limit.clearQueue() });
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new DsgradeError('INTERRUPTED', 'grading stopped: the run was aborted', { fix: 'nothing to fix: the caller stopped the run (time budget or interrupt)' });
}
