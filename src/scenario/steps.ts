/**
 * Runs the planned steps in order through the handler table (step-handlers.ts): each after its
 * `afterMs` pause, none past the scenario's time limit, each on the timeline, and keeps where the
 * previous step began for `since: "previous"`. A step that changes the proxy begins, on dsgrade's
 * clock, when the request is sent (no effect of the change can come earlier, and the first ones,
 * e.g. bytes a heal releases, may come before the reply), and on the proxy's at the instant it
 * took effect.
 */
import { StepFailure } from './failures.js';
import { describeAction, type PlannedStep } from './plan.js';
import type { StepRun } from './run-record.js';
import type { Since, StepContext } from './step-context.js';
import { handlerOf } from './step-handlers.js';

/**
 * Returns why the steps stopped early when the student's system failed one (undefined when every
 * step ran); other errors (dsgrade's, the proxy's) are thrown. Each step begun is appended to
 * `ran` with its time, also when a later one throws.
 */
export async function runSteps(steps: readonly PlannedStep[], ctx: StepContext, limitSec: number, ran: StepRun[]): Promise<StepFailure | undefined> {
  let previous: Since = { ms: 0, proxyNs: 0 };
  try {
    for (const [i, step] of steps.entries()) {
      const next = steps[i + 1];
      if (step.afterMs > 0) await ctx.clock.sleep(step.afterMs);
      if (ctx.clock.remaining() <= 0) throw new StepFailure(`the scenario did not finish within its ${limitSec} s limit (before step ${step.origin})`);
      const a = step.action;
      const changesProxy = a.kind === 'partition' || a.kind === 'heal' || a.kind === 'setFaults';
      const startedMs = ctx.clock.now();
      // The next step counts deliveries from here: read the proxy's clock before this step acts.
      let startedProxyNs = next?.action.kind === 'waitDelivered' && next.action.since === 'previous' && !changesProxy ? await ctx.proxy.nowNs() : 0;
      const text = `${step.origin}: ${describeAction(a)}${step.note ? ` — ${step.note}` : ''}`;
      const tMs = ctx.clock.now();
      ctx.timeline.add('step', text, tMs);
      ran.push({ seq: step.seq, origin: step.origin, kind: a.kind, text, tMs });
      const r = await handlerOf(a)(a, ctx, { origin: step.origin, previous });
      if (r) startedProxyNs = r.proxyNs;
      previous = { ms: startedMs, proxyNs: startedProxyNs };
    }
  } catch (err) {
    if (!(err instanceof StepFailure)) throw err;
    return err;
  }
  return undefined;
}
