/**
 * The step handlers against a fake node set and a fake proxy (step-fakes.ts): what each kind of
 * step asks of the nodes and the proxy, in which order, and when a wait passes or fails.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StepFailure } from '../../src/scenario/failures.js';
import type { DeliveryPair, PlannedAction } from '../../src/scenario/plan.js';
import type { StepInfo } from '../../src/scenario/step-context.js';
import { handlerOf } from '../../src/scenario/step-handlers.js';
import { fakeContext } from './step-fakes.js';

let ctx: Awaited<ReturnType<typeof fakeContext>>;
beforeEach(async () => {
  ctx = await fakeContext();
});
afterEach(async () => {
  await ctx.done();
});

const fromStart: StepInfo = { origin: '7', previous: { ms: 0, proxyNs: 0 } };
const run = (a: PlannedAction, step: StepInfo = fromStart) => handlerOf(a)(a, ctx, step);
const failureOf = async (p: Promise<unknown>): Promise<StepFailure> => {
  try {
    await p;
  } catch (err) {
    if (err instanceof StepFailure) return err;
    throw err;
  }
  throw new Error('the step passed');
};

describe('node steps', () => {
  it('start starts the nodes in the order listed, each once the one before is ready', async () => {
    ctx.nodes.startMs = 5;
    await run({ kind: 'start', nodes: ['server', 'c1', 'c2'] });
    expect(ctx.nodes.calls).toEqual(['start server', 'ready server', 'start c1', 'ready c1', 'start c2', 'ready c2']);
  });

  it('a node that does not get ready stops the start: the next ones never start', async () => {
    ctx.nodes.notReady.add('server');
    await expect(run({ kind: 'start', nodes: ['server', 'c1'] })).rejects.toThrow(/server did not become ready/);
    expect(ctx.nodes.calls).toEqual(['start server']);
  });

  it('restart kills every listed node (as a step) before starting them again in order', async () => {
    await run({ kind: 'restart', nodes: ['a', 'b'] });
    expect(ctx.nodes.calls).toEqual(['kill a step', 'kill b step', 'start a', 'ready a', 'start b', 'ready b']);
  });

  it('kill, pause, resume, signal, closeStdin and stdin act on each listed node', async () => {
    await run({ kind: 'kill', nodes: ['a', 'b'] });
    await run({ kind: 'pause', nodes: ['a'] });
    await run({ kind: 'resume', nodes: ['a'] });
    await run({ kind: 'signal', nodes: ['b'], signal: 'SIGTERM' });
    await run({ kind: 'closeStdin', nodes: ['b'] });
    await run({ kind: 'stdin', nodes: ['a', 'b'], text: 'put {{port:a}}\n' });
    expect(ctx.nodes.calls).toEqual(['kill a step', 'kill b step', 'pause a', 'resume a', 'signal b SIGTERM', 'closeStdin b', 'write a "put {{port:a}}\\n"', 'write b "put {{port:a}}\\n"']);
  });

  it('sleep waits its time', async () => {
    const t0 = ctx.clock.now();
    await run({ kind: 'sleep', ms: 30 });
    expect(ctx.clock.now() - t0).toBeGreaterThanOrEqual(29);
  });
});

describe('proxy steps', () => {
  it('partition and heal return when the change took effect on the proxy, and say so on the timeline', async () => {
    const p = await run({ kind: 'partition', request: { shape: 'isolate', node: 'a', nodes: ['a', 'b'] } });
    const h = await run({ kind: 'heal' });
    expect(p).toEqual({ proxyNs: 2000 });
    expect(h).toEqual({ proxyNs: 3000 });
    expect(ctx.proxy.calls).toEqual(['partition isolate', 'heal']);
    expect(ctx.timeline.events.map((e) => `${e.source}: ${e.text}`)).toEqual(['proxy: partition in force: 1 blocked pair(s), 2 link direction(s)', 'proxy: healed 2 link direction(s)']);
  });

  it('setFaults sets each link and returns when the last one took effect', async () => {
    const r = await run({ kind: 'setFaults', links: ['a->b', 'b->a'], direction: 'forward', faults: { drop: 0.5 } });
    expect(ctx.proxy.calls).toEqual(['setFaults a->b forward {"drop":0.5}', 'setFaults b->a forward {"drop":0.5}']);
    expect(r).toEqual({ proxyNs: 3000 });
  });
});

describe('waits', () => {
  const waitOutput = (over: Partial<Extract<PlannedAction, { kind: 'waitOutput' }>> = {}): PlannedAction => ({ kind: 'waitOutput', nodes: ['c1'], match: '^done', stream: 'both', since: 'start', withinSec: 0.3, ...over });

  it('a line printed while it waits passes', async () => {
    setTimeout(() => ctx.nodes.print('c1', 'done 3'), 20);
    await run(waitOutput());
  });

  it('since "previous" ignores a line printed before the previous step began; since "start" counts it', async () => {
    // The engine registers every pattern before anything starts (patternsOf).
    ctx.nodes.output('c1').watch('^done', 'both');
    ctx.nodes.print('c1', 'done early');
    const previous = { ms: ctx.clock.now(), proxyNs: 0 };
    ctx.nodes.states.set('c1', 'paused');
    const f = await failureOf(run(waitOutput({ since: 'previous', withinSec: 0.05 }), { origin: '4', previous }));
    expect(f.message).toBe('step 4: c1 did not print a line matching /^done/ within 0.1 s (c1: paused)');
    expect(f.nodes).toEqual(['c1']);
    await run(waitOutput({ since: 'start' }), { origin: '4', previous });
  });

  it('latest: passes once the latest reported value matches and holds', async () => {
    ctx.nodes.print('c1', 'count 1');
    setTimeout(() => ctx.nodes.print('c1', 'count 2'), 20);
    await run(waitOutput({ match: '^count 2$', latest: { match: '^count', stableMs: 50 }, withinSec: 1 }));
  });

  it('latest: a value printed among others does not pass; the failure says the lines kept changing', async () => {
    // Every candidate value, again and again: the latest line never holds the wanted one.
    const timer = setInterval(() => {
      ctx.nodes.print('c1', 'count 2');
      ctx.nodes.print('c1', 'count 9');
    }, 10);
    try {
      const f = await failureOf(run(waitOutput({ match: '^count 2$', latest: { match: '^count', stableMs: 50 }, withinSec: 0.2 })));
      expect(f.message).toMatch(/^step 7: c1 did not settle on a line matching \/\^count 2\$\/ within 0\.2 s \(c1: its latest line matching \/\^count\/ was "count 9" at [\d.]+ s \(its \/\^count\/ lines changed \d+ time\(s\) while dsgrade waited\); running\)$/);
    } finally {
      clearInterval(timer);
    }
  });

  it('waitExit passes when every node exited, and otherwise names the ones still running', async () => {
    setTimeout(() => ctx.nodes.exitNow('a'), 10);
    await run({ kind: 'waitExit', nodes: ['a'], withinSec: 1 });
    const f = await failureOf(run({ kind: 'waitExit', nodes: ['a', 'b'], withinSec: 0.05 }));
    expect(f.message).toBe('step 7: b did not exit within 0.1 s');
    expect(f.nodes).toEqual(['b']);
  });

  it('waitDelivered counts from the previous step on the proxy clock, or from the start', async () => {
    const pairs: DeliveryPair[] = [{ from: 'server', to: 'c1', paths: [{ link: 'c1->server', direction: 'reverse' }] }];
    const step = { origin: '5', previous: { ms: 1, proxyNs: 4242 } };
    await run({ kind: 'waitDelivered', pairs, from: 'server', to: 'c1', since: 'previous', count: 1, withinSec: 1 }, step);
    await run({ kind: 'waitDelivered', pairs, from: 'server', to: 'c1', since: 'start', count: 1, withinSec: 1 }, step);
    expect(ctx.proxy.deliveredSince).toEqual([4242, 0]);
    ctx.proxy.undelivered.add('server->c1');
    const f = await failureOf(run({ kind: 'waitDelivered', pairs, from: 'server', to: 'c1', since: 'previous', count: 1, withinSec: 1 }, step));
    expect(f.message).toBe('step 5: the proxy passed on no message from server to c1 within 1.0 s after the previous step began (c1: running; server: running)');
    expect(f.nodes).toEqual(['c1', 'server']);
  });

  it('waitDelivered with a count asks for that many messages from the start, and says so when they did not come', async () => {
    const pairs: DeliveryPair[] = [{ from: 'server', to: 'm1', paths: [{ link: 'm1->server', direction: 'reverse' }] }];
    const step = { origin: '3', previous: { ms: 1, proxyNs: 4242 } };
    await run({ kind: 'waitDelivered', pairs, from: 'server', to: 'm', since: 'start', count: 2, withinSec: 1 }, step);
    expect(ctx.proxy.deliveredSince).toEqual([0]);
    expect(ctx.proxy.deliveredCounts).toEqual([2]);
    ctx.proxy.undelivered.add('server->m1');
    const f = await failureOf(run({ kind: 'waitDelivered', pairs, from: 'server', to: 'm', since: 'start', count: 2, withinSec: 1 }, step));
    expect(f.message).toBe('step 3: the proxy passed on fewer than 2 messages from server to m1 within 1.0 s (m1: running; server: running)');
  });

  it('no wait lasts past the scenario time limit', async () => {
    const short = await fakeContext(60);
    try {
      const t0 = performance.now();
      const f = await failureOf(handlerOf(waitOutput({ withinSec: 10 }))(waitOutput({ withinSec: 10 }), short, fromStart));
      expect(performance.now() - t0).toBeLessThan(2000);
      expect(f.message).toMatch(/within 0\.\d s/);
    } finally {
      await short.done();
    }
  });
});
