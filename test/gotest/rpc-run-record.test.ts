/**
 * An rpc trace as the run report's record: peers as lanes, one message per request and reply with
 * what the network did to it, terms and leaders (two in one term found), the test's events as
 * steps and bands, a long trace cut to its last calls (and saying so), and the text summary.
 */
import { describe, expect, it } from 'vitest';
import { rpcRecordSummary, toRpcRunRecord } from '../../src/gotest/rpc-run-record.js';
import type { RpcAction, RpcTrace, RpcTraceRecord } from '../../src/gotest/rpc-trace.js';

const input = { testId: '2A/TestX', seed: '42', rerun: 'dsgrade grade s --only 2A/TestX --seed 1', verdict: 'failed' as const, reason: 'two leaders' };
const trace = (records: RpcTraceRecord[], over: Partial<RpcTrace> = {}): RpcTrace => ({ records, fileBytes: 1000, skippedBytes: 0, malformedLines: 0, ...over });
const call = (tMs: number, from: string, to: string, seq: number, dir: 'forward' | 'reverse', action: RpcAction, method = 'Raft.AppendEntries', delayMs = 0): RpcTraceRecord => ({
  kind: 'call',
  tMs,
  link: `${from}->${to}`,
  from,
  to,
  dir,
  seq,
  size: 50,
  method,
  action,
  delayMs,
});
const state = (tMs: number, node: string, term: number, leader: boolean): RpcTraceRecord => ({ kind: 'state', tMs, node, term, leader });
const event = (tMs: number, text: string): RpcTraceRecord => ({ kind: 'event', tMs, text });

describe('an rpc trace as a run record', () => {
  it('peers become lanes in numeric order; each request and reply one message, with its fate', () => {
    const r = toRpcRunRecord(
      trace([
        { kind: 'network', tMs: 0, seed: '42' },
        call(10, '10', '2', 0, 'forward', 'forward', 'Raft.RequestVote'),
        call(11, '10', '2', 0, 'reverse', 'delay', 'Raft.RequestVote', 5),
        call(20, '2', '10', 0, 'forward', 'drop'),
        call(30, '2', '1', 0, 'forward', 'block', 'Raft.AppendEntries', 80),
      ]),
      input,
    );
    expect(r.nodes.map((n) => n.name)).toEqual(['1', '2', '10']);
    expect(r.trace.messages.map((m) => [m.link, m.dir, m.kind, m.method])).toEqual([
      ['10->2', 'forward', 'delivered', 'Raft.RequestVote'],
      ['10->2', 'reverse', 'delayed', 'Raft.RequestVote'],
      ['2->10', 'forward', 'dropped', 'Raft.AppendEntries'],
      ['2->1', 'forward', 'blocked', 'Raft.AppendEntries'],
    ]);
    expect(r.trace.counts).toMatchObject({ delivered: 1, delayed: 1, dropped: 1, blocked: 1 });
    expect(r.schedule.links).toContainEqual({ name: '10->2', from: '10', to: '2' });
    expect(r.calls).toBe(3);
    expect(r.methods).toEqual([
      { method: 'Raft.AppendEntries', calls: 2, unanswered: 2 },
      { method: 'Raft.RequestVote', calls: 1, unanswered: 0 },
    ]);
    expect(r.durationMs).toBe(110);
    expect(r.cutCalls).toBe(0);
    expect(r.startMs).toBe(0);
  });

  it('finds two leaders in one term, and the leaders of every term', () => {
    const r = toRpcRunRecord(trace([state(1, '0', 1, true), state(2, '1', 1, false), state(5, '0', 2, false), state(6, '1', 2, true), state(7, '2', 2, true), state(8, '2', 2, true)]), input);
    expect(r.leadersByTerm).toEqual([
      { term: 1, leaders: ['0'], firstMs: 1 },
      { term: 2, leaders: ['1', '2'], firstMs: 6 },
    ]);
    expect(r.states).toHaveLength(6);
    const text = rpcRecordSummary(r).join('\n');
    expect(text).toContain('TWO LEADERS in term 2: peers 1 and 2');
    expect(text).toContain('term 1: 0, term 2: 1+2');
    expect(text).toContain('peer 1 term 2 LEADER');
  });

  it("keeps the last calls of a long trace, says how many it cut, and still counts them all", () => {
    const records: RpcTraceRecord[] = [];
    for (let i = 0; i < 100; i++) records.push(call(i * 10, '0', '1', i, 'forward', 'forward'), call(i * 10 + 1, '0', '1', i, 'reverse', 'forward'));
    const r = toRpcRunRecord(trace(records), input, { maxCalls: 30 });
    expect(r.calls).toBe(100);
    expect(r.cutCalls).toBe(70);
    expect(r.startMs).toBe(700);
    expect(r.trace.messages).toHaveLength(60);
    expect(r.trace.messages.every((m) => m.tMs >= 700)).toBe(true);
    expect(r.trace.counts.delivered).toBe(200);
  });

  it('turns disconnect/connect into a band on that peer, partition and heal into steps', () => {
    const r = toRpcRunRecord(trace([call(1, '0', '1', 0, 'forward', 'forward'), event(100, 'disconnect 1'), event(300, 'connect 1'), event(400, 'disconnect 0'), event(500, 'partition [[0] [1]]'), event(600, 'heal'), event(700, 'disconnect 1')]), input);
    expect(r.laneBands).toEqual([
      { node: '1', fromMs: 100, toMs: 300, text: 'peer 1 disconnected' },
      { node: '0', fromMs: 400, toMs: 500, text: 'peer 0 disconnected' },
      { node: '1', fromMs: 700, toMs: 700, text: 'peer 1 disconnected (until the end)' },
    ]);
    expect(r.stepsRun.map((s) => s.kind)).toEqual(['event', 'event', 'event', 'partition', 'heal', 'event']);
    expect(r.events.map((e) => e.text)).toContain('heal');
  });

  it('shows only the last network when a test made two (the clock restarts)', () => {
    const r = toRpcRunRecord(trace([{ kind: 'network', tMs: 0, seed: '1' }, call(900, '0', '1', 0, 'forward', 'forward'), { kind: 'network', tMs: 0, seed: '2' }, call(5, '1', '0', 0, 'forward', 'drop')]), { ...input, seed: '' });
    expect(r.trace.messages.map((m) => m.link)).toEqual(['1->0']);
    expect(r.seed).toBe('2');
    expect(r.notes.join()).toMatch(/2 networks/);
  });

  it('draws at most maxPeers lanes and drops calls to the others', () => {
    const records = Array.from({ length: 40 }, (_, i) => call(i, String(i), String(i + 1), 0, 'forward', 'forward'));
    const r = toRpcRunRecord(trace(records), input, { maxPeers: 5 });
    expect(r.nodes).toHaveLength(5);
    expect(r.trace.messages.every((m) => Number(m.link.split('->')[1]) < 5)).toBe(true);
    expect(r.notes.join()).toMatch(/only the first 5/);
  });

  it('says what the reader left out', () => {
    const r = toRpcRunRecord(trace([], { fileBytes: 50 * 1024 * 1024, skippedBytes: 40 * 1024 * 1024, malformedLines: 3 }), input);
    expect(r.notes.join('; ')).toMatch(/50\.0 MB.*10\.0 MB.*40\.0 MB/);
    expect(r.notes.join('; ')).toMatch(/3 line/);
    const text = rpcRecordSummary(r).join('\n');
    expect(text).toContain('no peer ever said it was the leader');
    expect(text).toContain('RPCs: 0 call(s)');
  });
});

describe('a runaway or hostile trace stays a bounded record', () => {
  it('keeps the last states and events, the last terms plus early two-leader ones, the busiest methods', () => {
    const records: RpcTraceRecord[] = [state(0, '0', 1, true), state(0, '1', 1, true)];
    for (let i = 0; i < 20_000; i++) records.push(state(i + 1, String(i % 3), i + 2, i % 3 === 0), event(i + 1, `e${i}`));
    for (let i = 0; i < 100; i++) records.push(call(i, '0', '1', i, 'forward', 'forward', `M${i}`));
    const r = toRpcRunRecord(trace(records), input);
    expect(r.states.length).toBeLessThanOrEqual(2000);
    expect(r.events.length).toBeLessThanOrEqual(300);
    expect(r.events[r.events.length - 1]!.text).toBe('e19999');
    expect(r.leadersByTerm.length).toBeLessThanOrEqual(151);
    expect(r.leadersByTerm[0]).toEqual({ term: 1, leaders: ['0', '1'], firstMs: 0 });
    expect(r.methods.length).toBeLessThanOrEqual(20);
    expect(r.notes.join('; ')).toMatch(/last 2000 of 20002 state changes.*last 300 of 20000 test events.*terms had a leader/);
    expect(rpcRecordSummary(r).length).toBeLessThan(20);
  });
});

it('a trace of 400,000 tiny records converts (no argument-count limit on a spread)', () => {
  const records: RpcTraceRecord[] = Array.from({ length: 400_000 }, (_, i) => event(i, 'e'));
  const r = toRpcRunRecord(trace(records), input);
  expect(r.durationMs).toBe(399_999);
  expect(r.events).toHaveLength(300);
});
