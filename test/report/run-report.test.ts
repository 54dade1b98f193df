import { promises as fs } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { toRpcRunRecord, type RpcRunRecord } from '../../src/gotest/rpc-run-record.js';
import { renderRunReport } from '../../src/report/run-report.js';
import type { RunRecord } from '../../src/scenario/run-record.js';

const FIXTURE = path.resolve('test/fixtures/run-report/udp');
const EXPECTED = { delivered: 4, delayed: 1, dropped: 2, duplicated: 1, blocked: 2, stalled: 1, reordered: 1, corrupted: 1 };
const fixtureRecord = async (): Promise<RunRecord> => JSON.parse(await fs.readFile(path.join(FIXTURE, 'run-record.json'), 'utf8')) as RunRecord;

/** The record of a run that stopped before anything started (no proxy, no node ran). */
const emptyRecord: RunRecord = {
  testId: 'x/never-ran',
  seed: '1',
  rerun: '',
  verdict: 'error',
  reason: 'the fault proxy did not start',
  durationMs: 3,
  expectations: [],
  schedule: { links: [], steps: [] },
  stepsRun: [],
  nodes: [{ name: 'n1', runs: [], lines: [], omittedLines: 0 }],
  events: [],
  proxyOffsetMs: 0,
  trace: { messages: [], connections: [], counts: { delivered: 0, delayed: 0, dropped: 0, duplicated: 0, blocked: 0, stalled: 0, reordered: 0, corrupted: 0 }, truncated: false },
};

describe('run report', () => {
  it('draws one arrow per message, the legend counts, markers, schedule, logs and the rerun command', async () => {
    const r = renderRunReport(await fixtureRecord());
    expect(r.messages).toBe(13);
    expect(r.drawn).toBe(13);
    expect(r.html.match(/<g class="msg /g)).toHaveLength(13);
    for (const [kind, n] of Object.entries(EXPECTED)) {
      expect(r.html.match(new RegExp(`<g class="msg k-${kind}"`, 'g')) ?? []).toHaveLength(n);
      expect(r.html).toContain(`<b class="count" data-kind="${kind}">${n}</b>`);
    }
    expect(r.html).toContain('dsgrade grade handin.zip --project projects/ring --only ring/lossy --seed 7');
    expect(r.html).toMatch(/class="node-end killed" data-node="n2"/);
    expect(r.html).toMatch(/class="node-end crashed" data-node="n3"/);
    expect(r.html).toMatch(/class="node-end stopped" data-node="n1"/);
    expect(r.html).toMatch(/class="partition-band"/);
    expect(r.html).toContain('n1 sending &lt;hello &amp; bye&gt;');
    expect(r.html).toContain('panic: index out of range');
    expect(r.html).toMatch(/drop=0\.2 duplicate=0\.1/);
    // Self-contained: no scripts, no external resources.
    expect(r.html).not.toMatch(/<script|<link |src="http|href="http/);
  });

  it('caps the arrows but keeps every count, favouring messages the network touched', async () => {
    const r = renderRunReport(await fixtureRecord(), { maxArrows: 9 });
    expect(r.drawn).toBe(9);
    expect(r.html.match(/<g class="msg /g)).toHaveLength(9);
    expect(r.html.match(/<g class="msg k-delivered"/g)).toBeNull();
    expect(r.html).toContain('Showing 9 of 13 messages');
    expect(r.counts).toEqual(EXPECTED);
  });

  it('says when the proxy trace was too long to count whole', async () => {
    const rec = await fixtureRecord();
    expect(renderRunReport(rec).html).not.toContain('The trace is too long');
    expect(renderRunReport({ ...rec, trace: { ...rec.trace, truncated: true } }).html).toContain('The trace is too long: only its first messages are counted.');
  });

  it('renders the record of a run where nothing ran', () => {
    const r = renderRunReport(emptyRecord);
    expect(r.messages).toBe(0);
    expect(r.html).toMatch(/^<!DOCTYPE html>/);
    expect(r.html).toContain('<b>ERROR</b>: the fault proxy did not start');
    expect(r.html).toContain('(no rerun command recorded)');
    expect(r.html).not.toMatch(/class="node-end|class="start"/);
  });

  it('escapes what the student controls: node output and names in titles and cells', async () => {
    const rec = await fixtureRecord();
    rec.nodes[0]!.lines.push({ tMs: 30, stream: 'stderr', text: '<script>alert(1)</script>' });
    const r = renderRunReport(rec);
    expect(r.html).not.toContain('<script>alert(1)</script>');
    expect(r.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });
});

describe('run report of a go test rpc trace', () => {
  const rpcRecord = (): RpcRunRecord =>
    toRpcRunRecord(
      {
        records: [
          { kind: 'network', tMs: 0, seed: '7' },
          { kind: 'event', tMs: 1, text: 'test TestVoteOnce2A: 3 peers' },
          { kind: 'call', tMs: 10, link: '0->1', from: '0', to: '1', dir: 'forward', seq: 0, size: 40, method: 'Raft.RequestVote', action: 'forward', delayMs: 0 },
          { kind: 'call', tMs: 11, link: '0->1', from: '0', to: '1', dir: 'reverse', seq: 0, size: 20, method: 'Raft.RequestVote', action: 'forward', delayMs: 0 },
          { kind: 'call', tMs: 20, link: '1->2', from: '1', to: '2', dir: 'forward', seq: 0, size: 40, method: 'Raft.AppendEntries', action: 'block', delayMs: 50 },
          { kind: 'state', tMs: 30, node: '1', term: 3, leader: true },
          { kind: 'state', tMs: 40, node: '<b>2</b>', term: 3, leader: true },
          { kind: 'event', tMs: 50, text: 'disconnect <script>' },
        ],
        fileBytes: 900,
        skippedBytes: 0,
        malformedLines: 0,
      },
      { testId: '2A/TestVoteOnce2A', seed: '7', rerun: 'dsgrade grade s --only 2A/TestVoteOnce2A --seed 1', verdict: 'failed', reason: 'two leaders in term 3' },
    );

  it('draws the peers as lanes, each request and reply as an arrow, and flags two leaders in one term', () => {
    const r = renderRunReport(rpcRecord());
    expect(r.drawn).toBe(3);
    expect([...r.html.matchAll(/<g class="msg k-(\w+)"/g)].map((m) => m[1])).toEqual(['delivered', 'delivered', 'blocked']);
    expect(r.html).toContain('id="two-leaders"');
    expect(r.html).toMatch(/Two leaders in term 3/);
    expect([...r.html.matchAll(/<rect class="role leader conflict" data-node="([^"]+)" data-term="3"/g)].map((m) => m[1])).toEqual(['1', '&lt;b&gt;2&lt;/b&gt;']);
    expect(r.html).toContain('Raft.RequestVote request 0-&gt;1');
    expect(r.html).toContain('--only 2A/TestVoteOnce2A --seed 1');
    expect(r.html).toMatch(/does not replay the order in which goroutines run/);
    // Only the kinds an rpc network has, and no scenario words.
    expect([...r.html.matchAll(/<span class="k" data-kind="(\w+)"/g)].map((m) => m[1])).toEqual(['delivered', 'delayed', 'dropped', 'blocked']);
    expect(r.html).not.toContain('Fault schedule');
    expect(r.html).not.toContain('<script>');
    expect(r.html).not.toContain('<b>2</b>');
  });

  it('draws the end again, enlarged, only when it is crowded', () => {
    const base = rpcRecord();
    const msg = (tMs: number, seq: number) => ({ ...base.trace.messages[0]!, tMs, seq });
    const crowded = { ...base, durationMs: 1000, trace: { ...base.trace, messages: [msg(10, 0), ...Array.from({ length: 8 }, (_, i) => msg(950 + i, i + 1))] } };
    const html = renderRunReport(crowded).html;
    expect(html).toContain('id="enlarged-end"');
    const end = html.slice(html.indexOf('<svg class="st" id="spacetime-end"'));
    expect([...end.slice(0, end.indexOf('</svg>')).matchAll(/<g class="msg /g)]).toHaveLength(8);
    expect(end).toContain('marker-end="url(#spacetime-end-a-delivered)"');
    const spread = { ...base, durationMs: 1000, trace: { ...base.trace, messages: Array.from({ length: 20 }, (_, i) => msg(i * 50, i)) } };
    expect(renderRunReport(spread).html).not.toContain('enlarged-end');
  });

  it('says how many calls a long trace left out', () => {
    const rec = { ...rpcRecord(), cutCalls: 40, calls: 42, startMs: 15 };
    expect(renderRunReport(rec).html).toMatch(/id="cut-note">Showing the last 2 of 42 calls/);
  });
});
