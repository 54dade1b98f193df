import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildRunReport, classify, readTrace, writeRunReport } from '../../src/report/run-report.js';

const FIXTURE = path.resolve('test/fixtures/run-report/udp');
const EXPECTED = { delivered: 4, delayed: 1, dropped: 2, duplicated: 1, blocked: 2, stalled: 1, reordered: 1, corrupted: 1 };

describe('run report', () => {
  it('groups trace records into messages and classifies them', async () => {
    const t = await readTrace(path.join(FIXTURE, 'proxy-trace.jsonl'), 10);
    expect(t.messages).toHaveLength(13);
    expect(t.counts).toEqual(EXPECTED);
    expect(t.connections.map((c) => c.action)).toEqual(['accept', 'close']);
    const delayed = t.messages.find((m) => m.kind === 'delayed')!;
    expect(delayed).toMatchObject({ link: 'n2->n3', dir: 'forward', seq: 0, tMs: 50, delayMs: 21.5 });
    expect(classify(['duplicate', 'delay'])).toBe('duplicated');
    expect(classify(['block'])).toBe('blocked');
  });

  it('draws one arrow per message, the legend counts, markers, schedule, logs and the rerun command', async () => {
    const r = await buildRunReport(FIXTURE);
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
    const r = await buildRunReport(FIXTURE, { maxArrows: 9 });
    expect(r.drawn).toBe(9);
    expect(r.html.match(/<g class="msg /g)).toHaveLength(9);
    expect(r.html.match(/<g class="msg k-delivered"/g)).toBeNull();
    expect(r.html).toContain('Showing 9 of 13 messages');
    expect(r.counts).toEqual(EXPECTED);
  });

  it('writes report.html beside the artifacts, and copes with missing files', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dsgrade-rr-'));
    const w = await writeRunReport(dir);
    expect(w.file).toBe(path.join(dir, 'report.html'));
    expect(w.messages).toBe(0);
    expect(await fs.readFile(w.file, 'utf8')).toMatch(/^<!DOCTYPE html>/);
    await fs.rm(dir, { recursive: true, force: true });
  });
});
