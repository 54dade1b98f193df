/**
 * The step runner (steps.ts) with a fake node set and a fake proxy: order, pauses, the time
 * limit, the record of the steps begun, and where "since the previous step" counts from on each
 * clock (#16).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StepFailure } from '../../src/scenario/failures.js';
import type { PlannedAction, PlannedStep } from '../../src/scenario/plan.js';
import type { StepRun } from '../../src/scenario/run-record.js';
import { runSteps } from '../../src/scenario/steps.js';
import { fakeContext } from './step-fakes.js';

let ctx: Awaited<ReturnType<typeof fakeContext>>;
beforeEach(async () => {
  ctx = await fakeContext();
});
afterEach(async () => {
  await ctx.done();
});

const steps = (...actions: (PlannedAction | [PlannedAction, Partial<PlannedStep>])[]): PlannedStep[] =>
  actions.map((x, i) => {
    const [action, over] = Array.isArray(x) ? x : [x, {}];
    return { seq: i + 1, origin: String(i + 1), afterMs: 0, action, ...over };
  });
const delivered = (since: 'start' | 'previous'): PlannedAction => ({ kind: 'waitDelivered', pairs: [{ from: 'server', to: 'c1', paths: [{ link: 'c1->server', direction: 'reverse' }] }], from: 'server', to: 'c1', since, count: 1, withinSec: 1 });

describe('runSteps', () => {
  it('runs the steps in order, records when each began, and puts them on the timeline', async () => {
    const ran: StepRun[] = [];
    const failure = await runSteps(steps({ kind: 'start', nodes: ['server'] }, [{ kind: 'kill', nodes: ['server'] }, { note: 'the crash', afterMs: 20 }]), ctx, 30, ran);
    expect(failure).toBeUndefined();
    expect(ctx.nodes.calls).toEqual(['start server', 'ready server', 'kill server step']);
    expect(ran.map(({ tMs: _t, ...r }) => r)).toEqual([
      { seq: 1, origin: '1', kind: 'start', text: '1: start server' },
      { seq: 2, origin: '2', kind: 'kill', text: '2: kill server — the crash' },
    ]);
    expect(ran[1]!.tMs - ran[0]!.tMs).toBeGreaterThanOrEqual(19);
    expect(ctx.timeline.events.filter((e) => e.source === 'step').map((e) => [e.text, e.tMs])).toEqual(ran.map((r) => [r.text, r.tMs]));
  });

  it('a failing step stops the run: it is returned, the later steps never begin', async () => {
    ctx.nodes.states.set('c1', 'exited with code 1');
    const ran: StepRun[] = [];
    const failure = await runSteps(steps({ kind: 'waitOutput', nodes: ['c1'], match: 'x', stream: 'both', since: 'start', withinSec: 0.05 }, { kind: 'kill', nodes: ['c1'] }), ctx, 30, ran);
    expect(failure).toBeInstanceOf(StepFailure);
    expect(failure!.message).toMatch(/^step 1: c1 did not print a line matching \/x\/ within 0\.1 s \(c1: exited with code 1\)$/);
    expect(ran.map((r) => r.seq)).toEqual([1]);
    expect(ctx.nodes.calls).toEqual([]);
  });

  it('an error that is not the student\'s is thrown, and the steps begun are still recorded', async () => {
    ctx.proxy.failWith = new Error('the proxy exited');
    const ran: StepRun[] = [];
    await expect(runSteps(steps({ kind: 'heal' }), ctx, 30, ran)).rejects.toThrow('the proxy exited');
    expect(ran.map((r) => r.kind)).toEqual(['heal']);
  });

  it('no step begins past the time limit', async () => {
    const short = await fakeContext(10);
    try {
      // The start outlasts the limit (sleeps and waits never do: they stop at it).
      short.nodes.startMs = 30;
      const failure = await runSteps(steps({ kind: 'start', nodes: ['a'] }, { kind: 'kill', nodes: ['a'] }), short, 0.01, []);
      expect(failure?.message).toBe('the scenario did not finish within its 0.01 s limit (before step 2)');
      expect(short.nodes.calls).toEqual(['start a', 'ready a']);
    } finally {
      await short.done();
    }
  });

  it('a delivery wait after a step that leaves the proxy alone counts from the proxy time read before that step acted', async () => {
    await runSteps(steps({ kind: 'sleep', ms: 1 }, delivered('previous')), ctx, 30, []);
    // nowNs answered 2000 once, before the sleep; nothing else asked the proxy's clock.
    expect(ctx.proxy.calls).toEqual(['nowNs']);
    expect(ctx.proxy.deliveredSince).toEqual([2000]);
  });

  it('after a partition, heal or setFaults it counts from when the change took effect', async () => {
    await runSteps(steps({ kind: 'partition', request: { shape: 'isolate', node: 'c1', nodes: ['c1', 'server'] } }, delivered('previous'), { kind: 'heal' }, delivered('previous')), ctx, 30, []);
    expect(ctx.proxy.calls).toEqual(['partition isolate', 'heal']);
    expect(ctx.proxy.deliveredSince).toEqual([2000, 3000]);
  });

  it('the proxy clock is read only for a next step that needs it', async () => {
    await runSteps(steps({ kind: 'sleep', ms: 1 }, delivered('start'), { kind: 'sleep', ms: 1 }), ctx, 30, []);
    expect(ctx.proxy.calls).toEqual([]);
    expect(ctx.proxy.deliveredSince).toEqual([0]);
  });

  it('"since previous" on output counts from when the previous step began: a line before it does not count, one during it does', async () => {
    ctx.nodes.output('c1').watch('^reply', 'both');
    ctx.nodes.print('c1', 'reply: early');
    const wait: PlannedAction = { kind: 'waitOutput', nodes: ['c1'], match: '^reply', stream: 'both', since: 'previous', withinSec: 0.1 };
    const late = await runSteps(steps({ kind: 'sleep', ms: 5 }, wait), ctx, 30, []);
    expect(late?.message).toMatch(/c1 did not print a line matching/);
    setTimeout(() => ctx.nodes.print('c1', 'reply: during the sleep'), 5);
    expect(await runSteps(steps({ kind: 'sleep', ms: 30 }, wait), ctx, 30, [])).toBeUndefined();
  });
});
