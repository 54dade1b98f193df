/**
 * Labels on everything dsgrade creates in Docker: `dsgrade.managed=true` on all of it and
 * `dsgrade.run=<run id>` per run, so the end of a run, an interrupt, `dsgrade clean` and
 * `dsgrade doctor` can all find exactly what belongs to dsgrade.
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import type { Labels } from './container-runtime.js';

export const MANAGED_LABEL = 'dsgrade.managed';
export const RUN_LABEL = 'dsgrade.run';
export const ROLE_LABEL = 'dsgrade.role';
/** On images: the hash of the inputs an image was built from. */
export const INPUTS_LABEL = 'dsgrade.inputs';

/** A new run id: sortable by time, unique enough across machines sharing an engine. */
export function newRunId(): string {
  return `${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

/** On everything: which dsgrade process made it, so a later run can remove what a crashed one left. */
export const OWNER_LABEL = 'dsgrade.owner';

export function runLabels(runId: string, role: string): Labels {
  return { [MANAGED_LABEL]: 'true', [RUN_LABEL]: runId, [ROLE_LABEL]: role, [OWNER_LABEL]: `${os.hostname()}:${process.pid}` };
}

/** True when `owner` names a dsgrade process on this machine that no longer exists. */
export function ownerIsGone(owner: string | undefined): boolean {
  if (!owner) return false;
  const i = owner.lastIndexOf(':');
  if (owner.slice(0, i) !== os.hostname()) return false;
  const pid = Number(owner.slice(i + 1));
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

export const managedFilter = (): Labels => ({ [MANAGED_LABEL]: 'true' });
export const runFilter = (runId: string): Labels => ({ [MANAGED_LABEL]: 'true', [RUN_LABEL]: runId });
