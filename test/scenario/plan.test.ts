import { describe, expect, it } from 'vitest';
import { scenarioSuiteDefaults, type RawScenarioSuite } from '../../src/scenario/manifest-defaults.js';
import { buildPlan, deliveryPairs, describeAction, expandLinkName, scenarioSeed, SeededRandom } from '../../src/scenario/plan.js';
import type { ScenarioSpec } from '../../src/scenario/types.js';

function scenario(steps: RawScenarioSuite['scenarios'][number]['steps']): ScenarioSpec {
  const raw: RawScenarioSuite = {
    kind: 'scenario',
    id: 's',
    programs: { p: { package: 'p' } },
    scenarios: [
      {
        name: 'x',
        points: 1,
        nodes: [
          { name: 'server', program: 'p' },
          { name: 'm', program: 'p', count: 5 },
        ],
        links: [{ from: 'm', to: 'server', faults: { drop: 0.1 } }, { from: 'm', to: 'm' }],
        steps,
        expect: [{ node: 'm', never: 'panic' }],
      },
    ],
  };
  return scenarioSuiteDefaults(raw, 'visible').scenarios[0]!;
}

const chaos = scenario([
  { start: ['server', 'm'] },
  {
    repeat: {
      times: 4,
      steps: [
        { kill: { random: ['m'], count: 2 }, afterMs: { min: 100, max: 900 } },
        { partition: { shape: 'halves', shuffle: true } },
        { sleepMs: { min: 0, max: 1000 } },
        { heal: true },
        { restart: 'm' },
      ],
    },
  },
  { partition: { shape: 'isolate', node: { random: ['m1', 'm2', 'm3'] } } },
]);
const timeline = (seed: string): string[] => buildPlan(chaos, seed).steps.map((s) => `${s.origin} +${s.afterMs}ms ${describeAction(s.action)}`);

describe('scenario plans', () => {
  it('same seed ⇒ the same timeline, choices included', () => {
    expect(timeline('42')).toEqual(timeline('42'));
    expect(buildPlan(chaos, '42')).toEqual(buildPlan(chaos, '42'));
  });

  it('a different seed gives a different schedule', () => {
    const seeds = ['1', '2', '3', '4', '5'].map(timeline).map((t) => t.join('\n'));
    expect(new Set(seeds).size).toBeGreaterThan(1);
  });

  it('unrolls repeats and draws every choice within its bounds', () => {
    const plan = buildPlan(chaos, '7');
    expect(plan.steps).toHaveLength(1 + 4 * 5 + 1);
    expect(plan.steps[1]!.origin).toBe('2.1 (repeat 1 of 4)');
    for (const s of plan.steps) {
      if (s.action.kind === 'kill') {
        expect(s.action.nodes).toHaveLength(2);
        expect(new Set(s.action.nodes).size).toBe(2);
        for (const n of s.action.nodes) expect(n).toMatch(/^m[1-5]$/);
        expect(s.afterMs).toBeGreaterThanOrEqual(100);
        expect(s.afterMs).toBeLessThanOrEqual(900);
      }
      if (s.action.kind === 'sleep') expect(s.action.ms).toBeLessThanOrEqual(1000);
      if (s.action.kind === 'partition' && s.action.request.shape === 'halves') {
        expect([...s.action.request.nodes!].sort()).toEqual(['m1', 'm2', 'm3', 'm4', 'm5', 'server']);
      }
    }
    const last = plan.steps.at(-1)!.action;
    expect(last.kind === 'partition' && ['m1', 'm2', 'm3'].includes(last.request.node!)).toBe(true);
  });

  it('expands groups into nodes, links and expectations', () => {
    const plan = buildPlan(chaos, '1');
    expect(plan.nodes.map((n) => n.name)).toEqual(['server', 'm1', 'm2', 'm3', 'm4', 'm5']);
    expect(plan.links.filter((l) => l.to === 'server').map((l) => l.name)).toEqual(['m1->server', 'm2->server', 'm3->server', 'm4->server', 'm5->server']);
    expect(plan.links.find((l) => l.name === 'm1->server')!.forward).toEqual({ drop: 0.1 });
    // m -> m: every ordered pair of different members.
    expect(plan.links.filter((l) => l.from.startsWith('m') && l.to.startsWith('m'))).toHaveLength(20);
    expect(plan.expect.map((e) => e.node)).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);
    expect(expandLinkName(chaos, 'm->server')).toHaveLength(5);
    expect(expandLinkName(chaos, 'm3->server')).toEqual(['m3->server']);
  });

  it('mixes the run seed with the test id', () => {
    expect(scenarioSeed(7, 'a/b')).toBe(scenarioSeed(7, 'a/b'));
    expect(scenarioSeed(7, 'a/b')).not.toBe(scenarioSeed(7, 'a/c'));
    expect(scenarioSeed(8, 'a/b')).not.toBe(scenarioSeed(7, 'a/b'));
    expect(BigInt(scenarioSeed(7, 'a/b'))).toBeLessThan(2n ** 64n);
  });

  it('draws uniformly enough from the seeded generator', () => {
    const rng = new SeededRandom('99');
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 4000; i++) counts[rng.int(4)]!++;
    for (const c of counts) expect(c).toBeGreaterThan(850);
  });

  it('a wait on deliveries names, per sender and receiver, the link directions their messages take', () => {
    const sc = scenario([{ start: ['server', 'm'] }, { wait: { delivered: { from: 'server', to: 'm', since: 'previous' }, withinSec: 2 } }]);
    const a = buildPlan(sc, '1').steps[1]!.action;
    expect(a.kind).toBe('waitDelivered');
    if (a.kind !== 'waitDelivered') return;
    // server → m1 are the replies on m1->server.
    expect(a.pairs.map((p) => `${p.from}>${p.to}`)).toEqual(['server>m1', 'server>m2', 'server>m3', 'server>m4', 'server>m5']);
    expect(a.pairs[0]!.paths).toEqual([{ link: 'm1->server', direction: 'reverse' }]);
    expect(a.since).toBe('previous');
    expect(describeAction(a)).toBe('wait ≤ 2 s for the proxy to pass on a message from server to m (after the previous step began)');
    // m1 → m2 travels forward on m1->m2 and back on m2->m1's replies; no pair of a node with itself.
    const links = buildPlan(sc, '1').links;
    expect(deliveryPairs(links, ['m1', 'm2'], ['m2'])).toEqual([
      { from: 'm1', to: 'm2', paths: [{ link: 'm1->m2', direction: 'forward' }, { link: 'm2->m1', direction: 'reverse' }] },
    ]);
    expect(deliveryPairs(links, ['server'], ['server'])).toEqual([]);
  });
});

describe('waits on a reported value (latest)', () => {
  it('plans the latest pattern with the default hold, and describes it', () => {
    const plan = buildPlan(
      scenario([
        { start: 'server' },
        { wait: { output: { node: 'server', match: '^counts active=5 dropped=0$', latest: '^counts ', since: 'previous' }, withinSec: 8 } },
        { wait: { output: { node: 'server', match: '^x$', latest: '^x|^y', stableMs: 50 }, withinSec: 1 } },
        { wait: { output: { node: 'server', match: '^ready' }, withinSec: 1 } },
      ]),
      '7',
    );
    const [, settle, short, plain] = plan.steps.map((s) => s.action);
    expect(settle).toMatchObject({ kind: 'waitOutput', latest: { match: '^counts ', stableMs: 300 }, since: 'previous' });
    expect(short).toMatchObject({ latest: { match: '^x|^y', stableMs: 50 } });
    expect(plain).not.toHaveProperty('latest');
    expect(describeAction(settle!)).toBe("wait ≤ 8 s until server's latest /^counts / line matches /^counts active=5 dropped=0$/ for 300 ms (lines after the previous step began)");
  });
});
