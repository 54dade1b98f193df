/** Stopping a run from outside (a time budget, an interrupt): nothing new starts once it is aborted. */
import { DsgradeError } from '../errors.js';

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new DsgradeError('INTERRUPTED', 'grading stopped: the run was aborted', { fix: 'nothing to fix: the caller stopped the run (time budget or interrupt)' });
}
