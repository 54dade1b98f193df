/**
 * The space-time diagram's geometry as plain numbers: lanes, the time scale, arrows by direction
 * and fate, lifelines and how each incarnation ended, partition bands, step labels.
 */
import { describe, expect, it } from 'vitest';
import { endKind, layoutDiagram, niceStep, partitions, pickArrows } from '../../src/report/spacetime-layout.js';
import type { MessageKind, RunRecord, StepRun, TraceMessage } from '../../src/scenario/run-record.js';

const msg = (over: Partial<TraceMessage>): TraceMessage => ({ link: 'a->b', dir: 'forward', seq: 0, tMs: 100, size: 10, kind: 'delivered', delayMs: 0, actions: ['forward'], ...over });
const zero = (): Record<MessageKind, number> => ({ delivered: 0, delayed: 0, dropped: 0, duplicated: 0, blocked: 0, stalled: 0, reordered: 0, corrupted: 0 });
const step = (seq: number, kind: StepRun['kind'], tMs: number, what: string = kind): StepRun => ({ seq, origin: String(seq), kind, text: `${seq}: ${what}`, tMs });

function record(over: Partial<RunRecord> = {}): RunRecord {
  return {
    testId: 's/x',
    seed: '1',
    rerun: '',
    verdict: 'failed',
    reason: '',
    durationMs: 1000,
    expectations: [],
    schedule: { links: [{ name: 'a->b', from: 'a', to: 'b', proto: 'udp' }], steps: [] },
    stepsRun: [],
    nodes: ['a', 'b', 'c'].map((name) => ({ name, runs: [], lines: [], omittedLines: 0 })),
    events: [],
    proxyOffsetMs: 0,
    trace: { messages: [], connections: [], counts: zero(), truncated: false },
    ...over,
  };
}

describe('space-time layout', () => {
  it('one lane per node in the plan order, evenly spaced left to right', () => {
    const d = layoutDiagram(record(), 100);
    expect(d.lanes.map((l) => l.node)).toEqual(['a', 'b', 'c']);
    const [a, b, c] = d.lanes.map((l) => l.x) as [number, number, number];
    expect(a).toBeGreaterThan(d.left);
    expect(b - a).toBeCloseTo(d.laneWidth);
    expect(c - b).toBeCloseTo(d.laneWidth);
    expect(d.width).toBeGreaterThan(c);
  });

  it('time flows down on one scale to the end of the run (or of the latest delivery)', () => {
    const d = layoutDiagram(record({ trace: { messages: [msg({ tMs: 1200, delayMs: 300, kind: 'delayed' })], connections: [], counts: zero(), truncated: false } }), 100);
    expect(d.endMs).toBe(1500);
    const ys = d.ticks.map((t) => t.y);
    expect(ys[0]).toBe(d.top);
    for (let i = 1; i < ys.length; i++) expect(ys[i]!).toBeGreaterThan(ys[i - 1]!);
    expect(d.ticks.map((t) => t.tMs)).toEqual([0, 200, 400, 600, 800, 1000, 1200, 1400]);
    expect(d.height).toBe(700);
  });

  it('an arrow goes from sender to receiver, reply arrows back; a delay makes it longer', () => {
    const d = layoutDiagram(record({ trace: { messages: [msg({ tMs: 100 }), msg({ dir: 'reverse', tMs: 200, seq: 1 }), msg({ tMs: 300, seq: 2, kind: 'delayed', delayMs: 200 })], connections: [], counts: zero(), truncated: false } }), 100);
    const [ax, bx] = d.lanes.map((l) => l.x) as [number, number];
    const [fwd, rev, late] = d.arrows as [(typeof d.arrows)[0], (typeof d.arrows)[0], (typeof d.arrows)[0]];
    expect([fwd.x1, fwd.x2]).toEqual([ax, bx]);
    expect([rev.x1, rev.x2]).toEqual([bx, ax]);
    expect(fwd.y2 - fwd.y1).toBeCloseTo(3); // delivered at once: a minimal slope
    expect(late.y2 - late.y1).toBeGreaterThan(50);
    expect(fwd.cut).toBeUndefined();
  });

  it('a message that never arrived stops part way, at its mark', () => {
    const d = layoutDiagram(record({ trace: { messages: [msg({ kind: 'dropped' }), msg({ seq: 1, kind: 'blocked' }), msg({ seq: 2, kind: 'duplicated' })], connections: [], counts: zero(), truncated: false } }), 100);
    const [dropped, blocked, dup] = d.arrows as [(typeof d.arrows)[0], (typeof d.arrows)[0], (typeof d.arrows)[0]];
    for (const a of [dropped, blocked]) {
      expect(a.cut!.x).toBeCloseTo(a.x1 + (a.x2 - a.x1) * 0.55);
      expect(a.cut!.x).toBeLessThan(a.x2);
    }
    expect(dup.cut).toBeUndefined();
  });

  it('each incarnation is a lifeline from its start to its end (or to the end of the run), marked by how it ended', () => {
    const nodes = record().nodes;
    nodes[0]!.runs = [
      { incarnation: 1, startedMs: 10, pid: 1, port: 1, args: [], end: { tMs: 300, code: null, signal: 'SIGKILL', stoppedBy: 'step' } },
      { incarnation: 2, startedMs: 400, pid: 2, port: 1, args: [] },
    ];
    const d = layoutDiagram(record({ nodes }), 100);
    const runs = d.lanes[0]!.runs;
    expect(runs.map((r) => r.end?.kind)).toEqual(['killed', undefined]);
    expect(runs[0]!.y2).toBe(runs[0]!.end!.y);
    expect(runs[1]!.y2).toBe(d.ticks[0]!.y + (d.height - d.top - 20)); // the bottom of the scale
    expect(d.lanes[1]!.runs).toEqual([]);
  });

  it('an end is a kill by a step, the stop at the end, an exit by itself, or a crash', () => {
    expect(endKind({ tMs: 1, code: null, signal: 'SIGKILL', stoppedBy: 'step' })).toBe('killed');
    expect(endKind({ tMs: 1, code: null, signal: 'SIGKILL', stoppedBy: 'end' })).toBe('stopped');
    expect(endKind({ tMs: 1, code: 0, signal: null })).toBe('exited');
    expect(endKind({ tMs: 1, code: 2, signal: null })).toBe('crashed');
    expect(endKind({ tMs: 1, code: null, signal: 'SIGSEGV' })).toBe('crashed');
    expect(endKind({ tMs: 1, code: null, signal: 'SIGKILL', stoppedBy: 'flood' })).toBe('crashed');
  });

  it('partitions are bands from the partition step to the heal (or the next partition, or the end)', () => {
    const stepsRun = [step(1, 'start', 0), step(2, 'partition', 100, 'partition isolate: a'), step(3, 'waitOutput', 150, 'wait for a partition line'), step(4, 'heal', 300), step(5, 'partition', 400, 'partition halves'), step(6, 'partition', 500, 'partition isolate: b')];
    expect(partitions({ stepsRun }, 900)).toEqual([
      { from: 100, to: 300, text: 'partition isolate: a' },
      { from: 400, to: 500, text: 'partition halves' },
      { from: 500, to: 900, text: 'partition isolate: b (never healed)' },
    ]);
  });

  it('step labels sit at their step, pushed down so that they never overlap', () => {
    const d = layoutDiagram(record({ stepsRun: [step(1, 'start', 0), step(2, 'kill', 1), step(3, 'sleep', 2), step(4, 'heal', 900)] }), 100);
    const ys = d.stepLabels.map((s) => s.labelY);
    for (let i = 1; i < ys.length; i++) expect(ys[i]! - ys[i - 1]!).toBeGreaterThanOrEqual(13);
    expect(d.stepLabels[3]!.labelY).toBeCloseTo(d.stepLabels[3]!.y - 3);
  });

  it('beyond the cap: every message the network touched, then delivered ones spread evenly', () => {
    const messages = Array.from({ length: 100 }, (_, i) => msg({ seq: i, tMs: i, kind: i % 10 === 0 ? 'dropped' : 'delivered' }));
    const picked = pickArrows(messages, 30);
    expect(picked).toHaveLength(30);
    expect(picked.filter((m) => m.kind === 'dropped')).toHaveLength(10);
    const plain = picked.filter((m) => m.kind === 'delivered').map((m) => m.tMs);
    expect(Math.max(...plain)).toBeGreaterThan(80);
    expect(picked.map((m) => m.tMs)).toEqual([...picked.map((m) => m.tMs)].sort((a, b) => a - b));
    expect(pickArrows(messages.slice(0, 5), 30)).toHaveLength(5);
  });

  it('grid steps are 1, 2 or 5 times a power of ten', () => {
    expect([0.5, 1, 3, 7, 12, 150, 4100].map(niceStep)).toEqual([1, 1, 5, 10, 20, 200, 5000]);
  });
});

describe('space-time layout of an rpc record (terms, leaders, a late start)', () => {
  const states = [
    { tMs: 0, node: 'a', term: 0, leader: false },
    { tMs: 100, node: 'a', term: 1, leader: true },
    { tMs: 600, node: 'b', term: 2, leader: true },
    { tMs: 700, node: 'c', term: 2, leader: true },
    { tMs: 800, node: 'a', term: 2, leader: false },
  ];

  it('draws each peer state as a span on its lane, and two leaders of one term as a conflict', () => {
    const d = layoutDiagram({ ...record(), states }, 100);
    const leaders = d.roles.filter((r) => r.leader);
    expect(leaders.map((r) => [r.node, r.term, r.conflict])).toEqual([
      ['a', 1, false],
      ['b', 2, true],
      ['c', 2, true],
    ]);
    const a1 = leaders[0]!;
    expect(a1.x).toBe(d.lanes[0]!.x);
    expect(a1.y2).toBeGreaterThan(a1.y1);
    expect(d.conflicts).toEqual([{ term: 2, nodes: ['b', 'c'], y: expect.any(Number) }]);
    expect(d.stateLabels.map((l) => l.text)).toEqual(['T0', 'T1 leader', 'T2', 'T2 leader', 'T2 leader']);
    expect(d.stateLabels.filter((l) => l.conflict).map((l) => l.node)).toEqual(['b', 'c']);
  });

  it('starts the time scale at startMs: earlier states are drawn from the top, earlier steps are not', () => {
    const d = layoutDiagram({ ...record({ stepsRun: [step(1, 'heal', 100), step(2, 'heal', 700)] }), states, startMs: 500, laneBands: [{ node: 'b', fromMs: 200, toMs: 900, text: 'peer b disconnected' }] }, 100);
    expect(d.ticks[0]!.tMs).toBeGreaterThanOrEqual(500);
    const a1 = d.roles.find((r) => r.node === 'a' && r.term === 1)!;
    expect(a1.y1).toBe(d.top);
    expect(d.stepLabels).toHaveLength(1);
    expect(d.laneBands).toHaveLength(1);
    expect(d.laneBands[0]!.y).toBe(d.top);
  });
});

it('lays out a record of 200,000 messages (a proxy trace at its cap) without a spread of them all', () => {
  const messages = Array.from({ length: 200_000 }, (_, i) => msg({ seq: i, tMs: i / 100 }));
  const d = layoutDiagram(record({ trace: { messages, connections: [], counts: zero(), truncated: false } }), 100);
  expect(d.endMs).toBeCloseTo(1999.99);
  expect(d.arrows).toHaveLength(100);
});

it('a lane that started before the diagram does has no start mark; one that ended before it is not drawn', () => {
  const nodes = [
    { name: 'a', runs: [{ incarnation: 1, startedMs: 0, pid: 1, port: 1, args: [] }], lines: [], omittedLines: 0 },
    { name: 'b', runs: [{ incarnation: 1, startedMs: 0, pid: 2, port: 2, args: [], end: { tMs: 100, code: 0, signal: null } }, { incarnation: 2, startedMs: 600, pid: 3, port: 2, args: [] }], lines: [], omittedLines: 0 },
  ];
  const d = layoutDiagram({ ...record({ nodes }), startMs: 500 }, 10);
  expect(d.lanes[0]!.runs.map((r) => r.startedBefore)).toEqual([true]);
  expect(d.lanes[1]!.runs.map((r) => [r.run.incarnation, r.startedBefore])).toEqual([[2, undefined]]);
});
