import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { classify, readProxyTrace } from '../../src/scenario/proxy-trace.js';
import type { RunRecord } from '../../src/scenario/run-record.js';

const FIXTURE = path.resolve('test/fixtures/run-report/udp');
const EXPECTED = { delivered: 4, delayed: 1, dropped: 2, duplicated: 1, blocked: 2, stalled: 1, reordered: 1, corrupted: 1 };

describe('proxy trace', () => {
  it('groups trace records into messages and classifies them', async () => {
    const { trace: t } = await readProxyTrace(path.join(FIXTURE, 'proxy-trace.jsonl'), 10);
    expect(t.messages).toHaveLength(13);
    expect(t.counts).toEqual(EXPECTED);
    expect(t.connections.map((c) => c.action)).toEqual(['accept', 'close']);
    const delayed = t.messages.find((m) => m.kind === 'delayed')!;
    expect(delayed).toMatchObject({ link: 'n2->n3', dir: 'forward', seq: 0, tMs: 50, delayMs: 21.5 });
    expect(classify(['duplicate', 'delay'])).toBe('duplicated');
    expect(classify(['block'])).toBe('blocked');
  });

  it('summarises the proxy actions per second, link and direction for the timeline', async () => {
    const { summary } = await readProxyTrace(path.join(FIXTURE, 'proxy-trace.jsonl'), 10);
    expect(summary.length).toBeGreaterThan(0);
    expect(summary.every((e) => e.source === 'proxy' && e.tMs % 1000 === 0)).toBe(true);
    // Its four forward records on n2->n3, all in the first second (in the order first seen).
    expect(summary.map((e) => e.text)).toContain('n2->n3 forward during [0s, 1s): delay×2 reorder×1 corrupt×1 block×1');
    expect(summary.map((e) => e.text)).toContain('n2->n3 reverse during [0s, 1s): forward×1');
  });

  it('the fixture run record holds exactly what its trace says', async () => {
    const record = JSON.parse(await fs.readFile(path.join(FIXTURE, 'run-record.json'), 'utf8')) as RunRecord;
    const { trace } = await readProxyTrace(path.join(FIXTURE, 'proxy-trace.jsonl'), record.proxyOffsetMs);
    expect(record.trace).toEqual(trace);
  });

  it('a missing trace (the proxy never started) is an empty one; bad lines are skipped', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dsgrade-trace-'));
    try {
      expect((await readProxyTrace(path.join(dir, 'none.jsonl'), 0)).trace.messages).toEqual([]);
      const file = path.join(dir, 't.jsonl');
      await fs.writeFile(file, 'not json\n{"t":1000,"link":"a->b","dir":"forward","seq":0,"size":3,"action":"forward"}\n{"t":2000}\n');
      const { trace, summary } = await readProxyTrace(file, 5);
      expect(trace.messages).toEqual([{ link: 'a->b', dir: 'forward', seq: 0, tMs: 6, size: 3, kind: 'delivered', delayMs: 0, actions: ['forward'] }]);
      expect(summary.map((e) => e.text)).toEqual(['a->b forward during [0s, 1s): forward×1']);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
