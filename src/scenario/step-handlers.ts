/**
 * The step handler table: one handler per kind of planned step (plan.ts; `repeat` is already
 * unrolled there). Node steps act in the order listed; `start` and `restart` start each node only
 * once the one before it is ready (a server before its clients). Waits live in step-waits.ts.
 */
import type { PlannedAction } from './plan.js';
import type { ActionOf, StepHandler } from './step-context.js';
import { waitDelivered, waitExit, waitOutput } from './step-waits.js';

type HandlerTable = { [K in PlannedAction['kind']]: StepHandler<ActionOf<K>> };

export const STEP_HANDLERS: HandlerTable = {
  async start(a, { nodes }) {
    for (const n of a.nodes) await nodes.start(n);
  },
  async restart(a, { nodes }) {
    await Promise.all(a.nodes.map((n) => nodes.kill(n, 'step')));
    for (const n of a.nodes) await nodes.start(n);
  },
  async kill(a, { nodes }) {
    await Promise.all(a.nodes.map((n) => nodes.kill(n, 'step')));
  },
  async pause(a, { nodes }) {
    for (const n of a.nodes) nodes.pause(n);
  },
  async resume(a, { nodes }) {
    for (const n of a.nodes) nodes.resume(n);
  },
  async signal(a, { nodes }) {
    for (const n of a.nodes) nodes.signal(n, a.signal);
  },
  async closeStdin(a, { nodes }) {
    for (const n of a.nodes) nodes.closeStdin(n);
  },
  async stdin(a, { nodes }) {
    for (const n of a.nodes) nodes.write(n, a.text);
  },
  async partition(a, { proxy, timeline }) {
    const r = await proxy.partition({ ...a.request });
    timeline.add('proxy', `partition in force: ${r.blocked.length} blocked pair(s), ${r.directions} link direction(s)`);
    return { proxyNs: r.atNs };
  },
  async heal(_a, { proxy, timeline }) {
    const r = await proxy.heal();
    timeline.add('proxy', `healed ${r.directions} link direction(s)`);
    return { proxyNs: r.atNs };
  },
  async setFaults(a, { proxy }) {
    let last: { atNs: number } | undefined;
    for (const l of a.links) last = await proxy.setFaults(l, a.faults, a.direction);
    return last && { proxyNs: last.atNs };
  },
  async sleep(a, { clock }) {
    await clock.sleep(a.ms);
  },
  waitOutput,
  waitExit,
  waitDelivered,
};

/** The handler of `action`'s kind. */
export function handlerOf(action: PlannedAction): StepHandler {
  return STEP_HANDLERS[action.kind] as StepHandler;
}
